"""Trusted grading helpers of the course (run by the teaching assistant, never by students).

Modules, one job each:
    settings       limits and paths, each default explained (env-overridable)
    kernel         the isolated grading kernel nbgrader's autograde runs notebooks in
    parallel       autograde each submission in its own worker and course copy
    merge          copy a worker's gradebook results into the course gradebook
    judge_verdicts the judge sets each test cell's outcome inside nbgrader's autograde
    submit         students' nbgrader submit with clear bilingual messages
    feedback       nbgrader preprocessors: feedback without hidden tests, bilingual verdicts
    export         the course CSV (score, max_score, extra_credit)
    cli            `python autograder/grade.py ...` (the TA's wrapper command)

Import it with autograder/ on sys.path (autograder/nbgrader_config.py does that).
"""
