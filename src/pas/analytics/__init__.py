"""Pure numerics on numpy/pandas: returns, estimators, factors, allocation, evaluation, metrics."""
