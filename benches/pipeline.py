"""The usual Python pipeline, for comparison: jieba (2 processes) -> scikit-learn TfidfVectorizer (sublinear tf,
tokens of 2+ characters) -> KMeans(n_init=3). Prints one JSON line of stage times (and NMI with a label field)."""
import json, sys, time
from multiprocessing import Pool

import jieba
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import normalized_mutual_info_score


def cut(text):
    return " ".join(jieba.lcut(text))


def main(path, k, label_field):
    t0 = time.time()
    docs = [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]
    texts = [d["text"] for d in docs]
    t1 = time.time()
    with Pool(2, initializer=jieba.initialize) as pool:
        segmented = pool.map(cut, texts, chunksize=200)
    t2 = time.time()
    matrix = TfidfVectorizer(sublinear_tf=True, token_pattern=r"(?u)\b\w\w+\b").fit_transform(segmented)
    t3 = time.time()
    labels = KMeans(n_clusters=k, n_init=3, random_state=0).fit_predict(matrix)
    t4 = time.time()
    out = {"read": t1 - t0, "segment": t2 - t1, "tfidf": t3 - t2, "kmeans": t4 - t3, "total": t4 - t0}
    if label_field and label_field in docs[0]:
        out["nmi"] = normalized_mutual_info_score([d[label_field] for d in docs], labels)
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
