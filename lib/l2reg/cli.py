"""The ``l2reg`` command.

``l2reg lessons`` regenerates the student lessons from the instructor
solutions through nbgrader. Instructor errors (no course, an unknown lesson)
print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import sys


def _cmd_lessons(args) -> int:
    from .grading.course import find_course_root, generate_lessons

    root = find_course_root(args.course)
    for path in generate_lessons(root, out=args.out, lessons=args.lesson):
        print(f"wrote {path}")
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
    p.add_argument("--course", help="course root (default: found from the working folder)")
    p.set_defaults(func=_cmd_lessons)
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
