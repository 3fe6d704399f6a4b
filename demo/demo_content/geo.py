"""Demo ZCTA internal points for the Trenton–Mercer County ZIPs the demo data uses.

Written in the Census Gazetteer layout so the real loader reads them; the coordinates are
rounded approximations of each ZIP's centre, good to a mile or two, which is all a
distance check between a participant's ZIP and a training site needs.
"""

from __future__ import annotations

# ZCTA -> (latitude, longitude, land area in square miles)
ZCTAS = {
    "08520": (40.2696, -74.5236, 18.9),
    "08540": (40.3640, -74.6560, 48.3),
    "08550": (40.2807, -74.6146, 17.8),
    "08608": (40.2196, -74.7660, 0.6),
    "08609": (40.2264, -74.7403, 1.9),
    "08610": (40.1910, -74.7120, 6.9),
    "08611": (40.1930, -74.7390, 2.9),
    "08618": (40.2470, -74.7830, 5.1),
    "08619": (40.2400, -74.6960, 8.1),
    "08620": (40.1700, -74.6460, 9.6),
    "08629": (40.2200, -74.7320, 1.5),
    "08638": (40.2560, -74.7590, 4.9),
    "08648": (40.2910, -74.7240, 21.7),
    "08690": (40.2270, -74.6590, 8.4),
    "08691": (40.2100, -74.5920, 20.2),
}
