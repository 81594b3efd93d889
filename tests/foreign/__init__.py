"""An evaluation set sceau did not generate: exports of fictional French lab vendors.

Written apart from sceau's own generator and detectors (none of their word lists or header
spellings were read to write it), so that scores on it say how sceau does on data it never saw.
``generator`` writes the files and their ground truth, ``score`` runs ``sceau scan`` on them.
"""
