"""HiGHS: the solve route, the hourly seed, infeasibility diagnosis, marginal values."""
