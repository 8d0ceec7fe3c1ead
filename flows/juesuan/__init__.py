"""juesuan: a warehouse of Chinese departmental final accounts."""
