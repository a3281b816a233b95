"""JupyterHub configuration for one l2reg course with nbgrader's exchange and formgrader.

Start it as root (the hub starts each user's server as that user's system account):

    L2REG_INSTRUCTORS=ada L2REG_STUDENTS=alan,grace \\
        /opt/l2reg/.venv/bin/jupyterhub -f /opt/l2reg/deploy/jupyterhub/jupyterhub_config.py

README.md, section "Hosting the course on JupyterHub", takes an administrator from a
fresh machine to a running hub with this file. What it sets up, following nbgrader's
"Using nbgrader with JupyterHub" (use case "One Class, Multiple Graders": the formgrader
runs as a hub service under its own grader account, which every instructor reaches):

* users are the machine's accounts, logged in with their passwords (JupyterHub's default
  PAMAuthenticator) and each started as that account (the default LocalProcessSpawner);
  nbgrader's exchange identifies a student by the account that submitted, so real accounts
  are what make its permissions mean something;
* the group ``formgrade-l2reg`` (the instructors) may open the service ``l2reg``: a
  Jupyter server run as the grader account in the course folder (a checkout of this
  repository, which is an nbgrader course: ``solutions/`` is nbgrader's source folder), whose
  formgrader is at ``/services/l2reg/formgrader``; the lessons it releases are the
  classroom edition (``l2reg lessons --edition classroom --out classroom``: quiz checks test
  the form of an answer only, and it is the edition ``l2reg grade`` compares submissions
  with), so the hub's release folder is ``classroom/``;
* the group ``nbgrader-l2reg`` (the students) get JupyterLab with nbgrader's Assignments
  tab only (``students/``: the formgrader, Create Assignment and Courses parts are off);
* everyone's nbgrader reads ``deploy/jupyterhub/nbgrader_config.py`` (course id ``l2reg``,
  the exchange folder), put on their JUPYTER_CONFIG_PATH by the hub: nothing is copied into
  /etc or into home folders.

The group names follow nbgrader's convention (``formgrade-<course>`` for instructors and
graders, ``nbgrader-<course>`` for students), which its JupyterHubAuthPlugin relies on when
one hub serves several courses. JupyterHub >= 4.1 forbids embedding the formgrader in
JupyterLab's iframe; instructors open ``/services/l2reg/formgrader`` in its own tab (nbgrader's
documentation, "Formgrader with jupyterhub>=4.1").

Settings come from the environment, with the defaults below:

=======================  ==========================================  ===========================
variable                 meaning                                     default
=======================  ==========================================  ===========================
L2REG_COURSE_ROOT        the course folder (a checkout of l2reg)     the checkout holding this file
L2REG_GRADER_USER        the account the formgrader service runs as  grader-l2reg
L2REG_INSTRUCTORS        comma-separated instructor accounts         (none)
L2REG_STUDENTS           comma-separated student accounts            (none)
L2REG_EXCHANGE           nbgrader's exchange folder                  /srv/nbgrader/exchange
L2REG_GRADEBOOK_URL      the gradebook (SQLAlchemy URL)              sqlite:///<course>/gradebook.db
L2REG_HUB_STATE          the hub's own database and cookie secret    /srv/jupyterhub
L2REG_HUB_URL            where the hub listens                       http://:8000
L2REG_HUB_API_PORT       hub API port (127.0.0.1)                    8081
L2REG_PROXY_API_PORT     configurable-http-proxy API port            8001
L2REG_FORMGRADER_PORT    the formgrader service's port (127.0.0.1)   9999
=======================  ==========================================  ===========================

``l2reg grade LESSON <course> --from-exchange --db "$L2REG_GRADEBOOK_URL"`` grades what
``nbgrader collect LESSON`` gathered into the same gradebook the formgrader shows.
"""

import os
import sys

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))
COURSE_ID = "l2reg"
INSTRUCTORS_GROUP = f"formgrade-{COURSE_ID}"
STUDENTS_GROUP = f"nbgrader-{COURSE_ID}"


def _env(name, default):
    value = os.environ.get(name, "").strip()
    return value or default


def _accounts(name):
    return [u.strip() for u in os.environ.get(name, "").split(",") if u.strip()]


course_root = os.path.abspath(_env("L2REG_COURSE_ROOT", os.path.dirname(os.path.dirname(HERE))))
grader = _env("L2REG_GRADER_USER", f"grader-{COURSE_ID}")
instructors = _accounts("L2REG_INSTRUCTORS")
students = _accounts("L2REG_STUDENTS")
exchange = _env("L2REG_EXCHANGE", "/srv/nbgrader/exchange")
gradebook = _env("L2REG_GRADEBOOK_URL", "sqlite:///" + os.path.join(course_root, "gradebook.db"))
state = _env("L2REG_HUB_STATE", "/srv/jupyterhub")
formgrader_port = int(_env("L2REG_FORMGRADER_PORT", "9999"))
# The servers JupyterHub starts run this environment's Python (the one l2reg is installed in).
bindir = os.path.dirname(sys.executable)

# --- the hub, its proxy and its state -----------------------------------------------------
c.JupyterHub.bind_url = _env("L2REG_HUB_URL", "http://:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(_env("L2REG_HUB_API_PORT", "8081"))
# configurable-http-proxy (npm install -g configurable-http-proxy), started by the hub.
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(_env('L2REG_PROXY_API_PORT', '8001'))}"
c.JupyterHub.db_url = "sqlite:///" + os.path.join(state, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(state, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = os.path.join(state, "jupyterhub-proxy.pid")

# --- who may log in ------------------------------------------------------------------------
# PAMAuthenticator (the default): the machine's accounts and their passwords.
c.Authenticator.allowed_users = set(instructors) | set(students)
c.Authenticator.admin_users = set(instructors)
c.JupyterHub.load_groups = {
    INSTRUCTORS_GROUP: {"users": instructors},
    STUDENTS_GROUP: {"users": students},
}

# --- the formgrader, a hub service run as the grader account -------------------------------
c.JupyterHub.services = [{
    "name": COURSE_ID,  # nbgrader: the service name MUST be the course id
    "url": f"http://127.0.0.1:{formgrader_port}",
    "command": [os.path.join(bindir, "jupyterhub-singleuser"), f"--ServerApp.root_dir={course_root}",
                "--ServerApp.default_url=/formgrader"],
    "user": grader,
    "cwd": course_root,
    "oauth_no_confirm": True,
    "environment": {
        # the hub-wide nbgrader config (course id, exchange, gradebook, the classroom/ release
        # folder), which takes precedence over the course's own (autograder/: the course root,
        # solutions/ as the source folder); no home-folder config is read.
        "JUPYTER_CONFIG_PATH": os.pathsep.join([HERE, os.path.join(course_root, "autograder")]),
        "L2REG_EXCHANGE": exchange,
        "L2REG_GRADEBOOK_URL": gradebook,
        "PATH": bindir + os.pathsep + "/usr/local/bin:/usr/bin:/bin",
    },
}]
c.JupyterHub.load_roles = [
    {"name": "l2reg-instructors", "groups": [INSTRUCTORS_GROUP],
     "scopes": [f"access:services!service={COURSE_ID}"]},
]

# --- everyone's own JupyterLab ---------------------------------------------------------------
c.Spawner.cmd = [os.path.join(bindir, "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120


def _per_user_environment(spawner):
    """Students get the students/ config folder (the Assignments tab only) in front of the
    hub-wide nbgrader config; instructors get the hub-wide one."""
    dirs = [HERE]
    if spawner.user.name in students:
        dirs.insert(0, os.path.join(HERE, "students"))
    spawner.environment.update({
        "JUPYTER_CONFIG_PATH": os.pathsep.join(dirs),
        "L2REG_EXCHANGE": exchange,
        "PATH": bindir + os.pathsep + "/usr/local/bin:/usr/bin:/bin",
    })


c.Spawner.pre_spawn_hook = _per_user_environment
