"""Power-loss testing of the outbox: record every write and sync, replay any power cut.

A kiosk that loses power keeps, of each file, what was synced to disk, and of what
was not synced, nothing, or any part.  ``kill -9`` never shows that: the kernel
still writes back everything the process wrote.  So:

1. ``shim.c``, preloaded into a process that submits dossiers (``writer.py``),
   logs in order every write, truncation, sync, rename and unlink in its data
   folder (:mod:`.recorder` reads the log);
2. the replay rebuilds the folder as a disk would hold it after a power cut at any
   point of the log: what was synced (``fsync`` of the file, ``fsync`` of the folder
   for its names), plus none (``lost``) or a random part (``torn``) of the rest;
3. each rebuilt folder is opened by the kiosk's store and checked
   (:func:`.check.check_cut`): it opens, every dossier whose receipt was printed
   before the cut is there with its sealed content, and the next number, even
   with the database lost too, is above every number a citizen holds.

``python -m tests.offline_cache.powerloss`` prints the figures in docs/storage.md.
"""
