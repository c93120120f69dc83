"""The stack map: the region's serverless backend as a picture, with what is broken marked on it."""
