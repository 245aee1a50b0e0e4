"""The provenance report of a case or a bundle: one self-contained HTML page a reviewer
can read or print (``page.render``), in parts by who reads them: the case-wide sections,
each exhibit's story, and the file the report becomes."""
