"""The review pages: the office's list (and its export), a new review, the review with its steps
(each at its own URL, its form an htmx partial through the same view), the expert pool, the panel
rules and scoring forms; an expert's assignments, and the signed link an external expert scores through.

Who sees a panel is `reviews.access`'s answer, asked on every page, partial and export: a user who
may not see it (the subject's postdoc and supervisors, anyone with a conflict — administrators
included) gets no reviewer's name and no score, and a manager with a conflict cannot run the
review's steps either (回避). Writes go to `reviews.services`; their refusals come back next to the
field they name, with the input kept.
"""
