"""The Textual app: a thin layer over :mod:`readinglist.core`.

Importing this package sets how many frames a second Textual may paint
(``TEXTUAL_FPS``, 60 by default) to ``FRAME_RATE``, unless the user set it.
Textual reads the variable once, when it is first imported; the app's
modules import Textual only from inside this package, so this runs first.
"""

import os

# After each paint Textual waits one to two frame periods before the next
# may start. A key held down (a press every 30 ms) often came inside that
# wait: at 60 frames a second the cursor's row waited up to 10 ms for its
# paint, and the held cursor's p95 at 100k papers was 14-19 ms; at 120 the
# wait is gone, 11 ms (docs/performance.md). Frames are painted only when
# something changed, so an idle app paints no more than before.
FRAME_RATE = 120
os.environ.setdefault("TEXTUAL_FPS", str(FRAME_RATE))
