"""Assembling dist/: the labs and their lessons, a teacher's labs and wheels, the
content manifest, and the whole build (``assemble.build``)."""
