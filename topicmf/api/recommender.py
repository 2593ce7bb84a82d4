class Recommender: pass
