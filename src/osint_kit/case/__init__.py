"""The ``Case`` facade that notebooks and the command line use.
"""
