"""The lab's experiments, one module each; the registry finds every module of this folder.

A module defines ``EXPERIMENT = Experiment(...)`` (see :mod:`retroprop.lab.registry`). Its
name starts with its family: ``course_*`` for the course slides' exercises, ``diy_*`` for the
DIY report, and so on.
"""
