"""A bare Django project on the same stack, for ratios: our page's time / this page's time.

Django's default middleware (as ``startproject`` makes it), no login, no project apps: one view
that reads 50 rows of the bench database's ``pupils_pupil`` table (unmanaged models, same columns
as the app's list) and renders them with a plain template.
"""
