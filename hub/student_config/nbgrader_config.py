"""nbgrader configuration of every student on the course hub.

The hub passes the course id and the exchange folder to each student's server
(hub/jupyterhub_config.py); fetch, submit and the Assignments tab use them.
"""
import os

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = os.environ["MML_COURSE_ID"]
c.Exchange.root = os.environ["MML_EXCHANGE_ROOT"]
