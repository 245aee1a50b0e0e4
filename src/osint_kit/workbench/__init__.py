"""The detective's workbench in JupyterLab: forms, the lab server, errors shown readably.
"""
