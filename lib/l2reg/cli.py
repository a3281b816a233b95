"""The ``l2reg`` command.

``l2reg lessons`` regenerates the student lessons from the instructor
solutions through nbgrader; ``l2reg grade`` grades a folder or zip of
submissions in a sandbox; ``l2reg export`` writes the grades as a Canvas, Moodle or plain CSV import
file; ``l2reg bundle`` writes the student handout zip.
Instructor errors (no course, an unknown lesson, a missing folder) print one
line and exit with status 2; problems with submissions never change the exit
status.
"""

from __future__ import annotations

import argparse
import sys


def _cmd_lessons(args) -> int:
    from .grading.course import CourseError, find_course_root, generate_lessons

    root = find_course_root(args.course)
    if args.edition != "self-study" and args.out is None:
        # lessons/ holds the self-study edition; another edition needs a folder of its own.
        raise CourseError("--edition classroom needs --out FOLDER (lessons/ holds the self-study "
                          "edition; `l2reg bundle` hands out the classroom one)")
    for path in generate_lessons(root, out=args.out, lessons=args.lesson, edition=args.edition):
        print(f"wrote {path}")
    return 0


def _cmd_grade(args) -> int:
    from .grading.grade import Interrupted, grade

    overrides = {"cell_timeout": args.cell_timeout, "notebook_timeout": args.notebook_timeout}
    if args.from_exchange:
        from .grading.gradebook import grade_from_exchange as grade
    platform = {"format": args.format, "roster": args.roster}
    if args.from_exchange:
        if args.format != "auto" or args.roster is not None:
            from .grading.course import CourseError

            raise CourseError("--format and --roster read a platform's download; --from-exchange reads an "
                              "nbgrader course folder (leave them out)")
        platform = {}
    try:
        report = grade(args.lesson, args.submissions, args.out, jobs=args.jobs, course_root=args.course,
                       limits_overrides=overrides, db=args.db, scheduler=args.scheduler,
                       library_calls=args.library_calls, **platform)
    except Interrupted as exc:
        print(f"l2reg grade: interrupted ({exc}); {args.out} still holds the previous run, "
              "nothing of this one was kept", file=sys.stderr)
        return 128 + exc.signum
    sys.stdout.write(report.summary)
    return 0


def _cmd_export(args) -> int:
    from .grading.export import export

    done = export(args.graded_dir, args.to, out=args.output, roster=args.roster, assignment=args.assignment,
                  failed=args.failed)
    # with -o - the export itself is on standard output
    (sys.stderr if done.path is None else sys.stdout).write(done.summary())
    return 0


def _cmd_bundle(args) -> int:
    from .grading.bundle import write_bundle
    from .grading.course import find_course_root

    root = find_course_root(args.course)
    path, count = write_bundle(root, args.out)
    print(f"wrote {path} ({count} files)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="l2reg",
        description="Course tools for l2reg: generate the student lessons, grade submissions.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "lessons",
        help="regenerate lessons/ from solutions/ with nbgrader",
        description="Regenerate the student lessons from the instructor notebooks in solutions/.",
    )
    p.add_argument("lesson", nargs="*", help="lesson folder names (default: all)")
    p.add_argument("--out", help="folder to write the lessons to (default: <course>/lessons)")
    p.add_argument("--edition", choices=("self-study", "classroom"), default="self-study",
                   help="self-study: quiz checks answer back (what lessons/ holds); classroom: they only "
                   "check the answer's form (what `l2reg bundle` hands out)")
    p.add_argument("--course", help="course root (default: found from the working folder)")
    p.set_defaults(func=_cmd_lessons)

    p = sub.add_parser(
        "grade",
        help="grade a folder or zip of submissions of one lesson",
        description=(
            "Grade one notebook per student (SUBMISSIONS/<student_id>.ipynb or "
            "SUBMISSIONS/<student_id>/<any>.ipynb, or a zip of either, or a Canvas or Moodle "
            "download-all-submissions zip as the platform gives it) in a bubblewrap sandbox. "
            "Writes DIR/grades.csv, DIR/feedback/<student_id>.html, DIR/summary.txt and "
            "DIR/gradebook.db; running it again regrades from scratch."
        ),
    )
    p.add_argument("lesson", help="lesson folder name under solutions/, e.g. 01_penalty")
    p.add_argument("submissions", help="folder or .zip of submissions")
    p.add_argument("--out", default="graded", help="output folder (default: ./graded)")
    p.add_argument("--jobs", type=int, default=1, help="submissions graded in parallel (default: 1)")
    p.add_argument("--course", help="course root (default: found from the working folder)")
    p.add_argument("--cell-timeout", type=float, help="seconds per cell (default: autograder config)")
    p.add_argument("--notebook-timeout", type=float, help="seconds per notebook (default: autograder config)")
    p.add_argument("--db", metavar="URL", help="gradebook database URL, e.g. postgresql+psycopg://user:pw@host/db "
                   "(default: sqlite DIR/gradebook.db)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the notebooks on the workers of this Dask scheduler, e.g. tcp://host:8786 "
                   "(needs l2reg[cluster]; each worker needs the same l2reg and bwrap; --jobs is then not used)")
    p.add_argument("--format", default="auto", metavar="auto|plain|canvas|moodle",
                   help="how SUBMISSIONS is laid out: plain (<student_id>.ipynb or <student_id>/), canvas "
                   "(Canvas's Download Submissions zip: the student id is the Canvas user id), moodle (Moodle's "
                   "Download all submissions zip, folders or flat: the participant id); auto (default) tells "
                   "them apart by the file names")
    p.add_argument("--roster", metavar="CSV",
                   help="class list for names and e-mails in the feedback and summary: student_id,name,email, or "
                   "Canvas's gradebook export (Student,ID,...), or Moodle's grading worksheet (Identifier,...)")
    p.add_argument("--from-exchange", action="store_true",
                   help="SUBMISSIONS is an nbgrader course folder: grade its submitted/*/LESSON (after nbgrader "
                   "collect) into its gradebook and write its autograded/ and feedback/ for nbgrader release_feedback")
    p.add_argument("--library-calls", default="flag", metavar="flag|zero",
                   help="an answer that uses an l2reg function its exercise forbids (the source cell's "
                   "metadata.l2reg.forbid): flag (default) keeps the score and flags it; zero also scores that "
                   "exercise's tests 0. Similar answers across the class go to DIR/similarity.csv and .html")
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser(
        "export",
        help="write a graded folder's grades as a Canvas, Moodle or plain CSV import file",
        description="Write GRADED_DIR/grades.csv as a file the platform imports as it is: canvas (gradebook "
        "import CSV), moodle (offline grading worksheet) or csv (student_id, name, email, score, max_score, "
        "percent, status, late). Failed students get an empty grade on canvas and moodle unless "
        "--failed score.",
    )
    p.add_argument("graded_dir", metavar="GRADED_DIR", help="the --out folder of `l2reg grade`")
    # checked by export(), so that a wrong value is one line, like every instructor error
    p.add_argument("--to", help="canvas, moodle or csv")
    p.add_argument("--roster", metavar="CSV", help="roster CSV for names, e-mails and SIS ids")
    p.add_argument("--assignment", metavar="NAME", help="Canvas column title: the assignment's name, or "
                   "'Name (id)' as Canvas's own export writes it (default: the lesson's name)")
    p.add_argument("--failed", help="blank (default for canvas and moodle: left for you to grade) or score "
                   "(the points earned before grading stopped; default for csv)")
    p.add_argument("-o", "--output", metavar="FILE", help="file to write (default: GRADED_DIR/export-<to>.csv; "
                   "- for standard output)")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser(
        "bundle",
        help="write the student handout zip",
        description="Zip the student handout: lessons/, lib/, pyproject.toml and README.md "
        "(never solutions/, autograder/ or tests/).",
    )
    p.add_argument("out", help="the zip file to write, e.g. handout.zip")
    p.add_argument("--course", help="course root (default: found from the working folder)")
    p.set_defaults(func=_cmd_bundle)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from .grading.course import CourseError

    try:
        return args.func(args)
    except CourseError as exc:
        print(f"l2reg {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
