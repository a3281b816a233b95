"""nbgrader configuration shared by everyone on the hub: the students' servers, the
instructors' and the formgrader service (``jupyterhub_config.py`` puts this folder on their
JUPYTER_CONFIG_PATH).

The course's own settings (the course folder, ``solutions/`` as nbgrader's source folder) stay
in the repository's ``autograder/nbgrader_config.py``, which only the formgrader service reads,
after this file (whose settings win).
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when the file is loaded)

# The course id: the formgrader service's name in jupyterhub_config.py, and the folder of
# the course in the exchange (<exchange>/l2reg/outbound, inbound, feedback).
c.CourseDirectory.course_id = "l2reg"

# What the formgrader's Release button (nbgrader release_assignment) hands out: the classroom
# edition of the lessons, written into the course folder by
#     l2reg lessons --edition classroom --out classroom
# (lessons/ holds the self-study edition, whose quiz checks give the answers away).
c.CourseDirectory.release_directory = "classroom"

# nbgrader's file-system exchange: a folder every account can reach (nbgrader creates it
# with mode 0777 when missing, and the course folders in it with the modes that let
# students submit into inbound/ without reading each other's submissions). On several
# machines (Zero to JupyterHub) it is a shared volume mounted at the same path everywhere.
c.Exchange.root = os.environ.get("L2REG_EXCHANGE", "/srv/nbgrader/exchange")

# The gradebook the formgrader reads (the service is given L2REG_GRADEBOOK_URL); give
# `l2reg grade --from-exchange --db` the same URL. Unset: nbgrader's default,
# <course>/gradebook.db.
if os.environ.get("L2REG_GRADEBOOK_URL"):
    c.CourseDirectory.db_url = os.environ["L2REG_GRADEBOOK_URL"]
