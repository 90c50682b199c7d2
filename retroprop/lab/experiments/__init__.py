"""The lab's experiments, one package per family of source documents.

``course/`` (the two course slide decks), ``diy/`` (the DIY library report), ``lorenz/``
(the Lorenz study), ``ssl_gan/`` (the semi-supervised GAN report). Each module of a family
defines ``EXPERIMENT = Experiment(...)`` (see :mod:`retroprop.lab.registry`); modules whose
names start with ``_`` hold the family's shared helpers.
"""
