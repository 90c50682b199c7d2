"""The Lorenz system (source document 000): simulation, identification, Lyapunov exponents, GANs."""
