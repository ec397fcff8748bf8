"""catalog (was product-service + brand-service): categories, brands, products and variants, search,
and the draft → review → active lifecycle that decides what is public and taggable."""
