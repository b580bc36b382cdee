"""Building the model library: DI synthesis, gear simulations and NAM captures."""
