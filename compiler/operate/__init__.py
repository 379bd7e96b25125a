"""Operating what kftest submitted: ``debug`` explains a failed workflow, ``cleanup`` deletes
old ones.

The cluster calls come from ``compiler.cluster``; only ``storage`` and the cluster layer reach
the network, and they import kubernetes and google.cloud lazily, so importing this package
costs nothing.
"""
