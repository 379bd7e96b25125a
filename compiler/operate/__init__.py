"""Operating what kftest submitted: ``debug`` explains a failed workflow, ``cleanup`` deletes
old ones.

Only ``cluster`` and ``storage`` reach the network, and they import kubernetes and
google.cloud lazily, so importing this package costs nothing.
"""
