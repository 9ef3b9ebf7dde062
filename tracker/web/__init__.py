"""What every page shares: templating, the session store, authentication, errors, forms."""
