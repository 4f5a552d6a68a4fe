"""Flowers-17, serialized to CSV as the classic tutorial does (introduced in
05_flowers17_csv_generator)."""

URL = "https://www.robots.ox.ac.uk/~vgg/data/flowers/17/17flowers.tgz"
ARCHIVE_NAME = "17flowers.tgz"
ARCHIVE_MD5 = "b59a65d8d1a99cd66944d474e1289eab"
ENV_VAR = "FLOWERS17_DIR"

# The dataset's order: images 1-80 are the first class, 81-160 the second, ...
FLOWERS17_CLASSES = [
    "daffodil", "snowdrop", "lily valley", "bluebell", "crocus", "iris", "tigerlily",
    "tulip", "fritillary", "sunflower", "daisy", "colts' foot", "dandelion", "cowslip",
    "buttercup", "windflower", "pansy",
]
