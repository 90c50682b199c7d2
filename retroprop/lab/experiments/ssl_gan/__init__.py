"""The semi-supervised GAN on MNIST with 100 labels (issue 12; Salimans et al. 2016, after the
French report 001): ``ssl_gan.mlp``, ``ssl_gan.cnn`` and the supervised ``ssl_gan.baseline``."""
