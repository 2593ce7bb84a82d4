"""Run by bench_recommend.py in a Python that has scikit-surprise (which needs numpy < 2).

    python _surprise_fold.py TRAIN.tsv TEST.tsv METHOD

Fits one fold with scikit-surprise's SVD() or BaselineOnly() (defaults, seeded) and prints one
JSON line: rmse, mae and the seconds of fit + test (the interpreter's start-up not included).
"""

import json
import sys
import time

from surprise import SVD, BaselineOnly, Dataset, Reader, accuracy
from surprise.model_selection import PredefinedKFold

train, test, method = sys.argv[1:4]
data = Dataset.load_from_folds([(train, test)], reader=Reader(line_format="user item rating", sep="\t",
                                                              rating_scale=(1, 5)))
trainset, testset = next(PredefinedKFold().split(data))
algo = SVD(random_state=0) if method == "svd" else BaselineOnly(verbose=False)
started = time.perf_counter()
algo.fit(trainset)
predictions = algo.test(testset)
seconds = time.perf_counter() - started
print(json.dumps({"rmse": accuracy.rmse(predictions, verbose=False), "mae": accuracy.mae(predictions, verbose=False),
                  "seconds": seconds}))
