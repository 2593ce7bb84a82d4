"""A synthetic rating table: planted low rank, popularity skew, written as CSV (user,item,rating,timestamp).

Users and items get k-dimensional taste vectors; which items a user rates follows a Zipf-like
popularity (item j is drawn with probability ∝ (j + 10)^−s) mixed with the user's taste, and the
rating is round(μ + b_u + c_i + ⟨u, v⟩ + noise) clipped to 1–5.  Activity per user is
log-normal.  Rows come in a shuffled order (as a log does), user and item ids as text
(``u123``, ``i45``); duplicate (user, item) rows occur as they do in real logs (the reader keeps
the last).  Seeded: the same arguments give the same bytes.

    python benchmarks/synthetic_ratings.py OUT.csv --ratings 10000000 [--users N] [--items M] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

CHUNK = 1_000_000


def write_ratings(path, n_ratings: int, *, n_users: int | None = None, n_items: int | None = None, k: int = 8,
                  skew: float = 1.0, seed: int = 0) -> dict:
    """Write the table; returns its sizes."""
    rng = np.random.default_rng(seed)
    n_users = n_users or max(10, n_ratings // 100)
    n_items = n_items or max(10, n_ratings // 500)
    U = rng.normal(0, 0.6, (n_users, k))
    V = rng.normal(0, 0.6, (n_items, k))
    user_bias = rng.normal(0, 0.4, n_users)
    item_bias = rng.normal(0, 0.4, n_items)
    popularity = (np.arange(n_items) + 10.0) ** -skew
    popularity /= popularity.sum()
    activity = rng.lognormal(0, 1, n_users)
    activity /= activity.sum()
    user_names = np.array([f"u{i}" for i in range(n_users)], dtype=object)
    item_names = np.array([f"i{j}" for j in rng.permutation(n_items)], dtype=object)  # ids not in popularity order
    written = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("user,item,rating,timestamp\n")
        while written < n_ratings:
            n = min(CHUNK, n_ratings - written)
            users = rng.choice(n_users, n, p=activity)
            # half of the draws by popularity, half by taste among a popular candidate pair
            a, b = rng.choice(n_items, n, p=popularity), rng.choice(n_items, n, p=popularity)
            taste_a = np.einsum("ij,ij->i", U[users], V[a])
            taste_b = np.einsum("ij,ij->i", U[users], V[b])
            items = np.where(taste_a >= taste_b, a, b)
            score = 3.5 + user_bias[users] + item_bias[items] + np.einsum("ij,ij->i", U[users], V[items])
            ratings = np.clip(np.rint(score + rng.normal(0, 0.5, n)), 1, 5).astype(np.int64)
            stamps = 1_000_000_000 + written + np.arange(n)
            lines = [f"{u},{i},{r},{t}\n" for u, i, r, t in zip(user_names[users], item_names[items],
                                                                 ratings.tolist(), stamps.tolist())]
            out.writelines(lines)
            written += n
    return {"ratings": n_ratings, "users": n_users, "items": n_items, "rank": k, "seed": seed}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--ratings", type=int, default=10_000_000)
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(write_ratings(args.out, args.ratings, n_users=args.users, n_items=args.items, seed=args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
