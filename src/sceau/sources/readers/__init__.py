"""sceau's built-in readers, one file each, registered as entry points of the group
``sceau.sources`` (see :mod:`sceau.plugins`); each says where it is sniffed (``sniff_rank``)."""
