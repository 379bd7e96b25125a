def create_workflow(name=None, namespace=None, **kwargs):
    return {
