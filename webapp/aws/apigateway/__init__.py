"""API Gateway REST APIs for the console: resources, methods, stages, deployments and calls."""
