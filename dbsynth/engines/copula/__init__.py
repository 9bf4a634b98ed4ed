"""HMA-style Gaussian-copula engine (`copula`, the default)."""
