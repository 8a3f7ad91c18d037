# Teaching-assistant targets, included by the root Makefile.
# Each runs the standard nbgrader command(s) through autograder/grade.py with
# autograder/nbgrader_config.py; README in autograder/ explains the flow.
#
#   make grade-release    students can fetch the assignment from the exchange
#   make grade            collect, autograde (parallel + judge), feedback, export
#   make grade-collect | grade-autograde | grade-feedback | grade-export   one step each
#
# Options: ASSIGNMENT=rnn_captioning  GRADE_WORKERS=<n>  (limits: see autograder/README.md)

ASSIGNMENT    ?= rnn_captioning
GRADE_WORKERS ?=
GRADE         := $(PY) autograder/grade.py --assignment $(ASSIGNMENT) $(if $(GRADE_WORKERS),--workers $(GRADE_WORKERS))

.PHONY: grade grade-release grade-collect grade-autograde grade-feedback grade-export

grade: setup
	$(GRADE) all

grade-release: setup
	$(GRADE) release

grade-collect: setup
	$(GRADE) collect

grade-autograde: setup
	$(GRADE) autograde

grade-feedback: setup
	$(GRADE) feedback

grade-export: setup
	$(GRADE) export
