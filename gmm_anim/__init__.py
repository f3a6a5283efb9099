"""Animate the EM algorithm fitting a Gaussian mixture."""
