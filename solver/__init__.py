"""Pure optimisation: a routing problem in, a plan out (integers only)."""
