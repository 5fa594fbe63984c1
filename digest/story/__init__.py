"""Stories: the digest's articles grouped by the event they cover (``cluster.py``)."""
