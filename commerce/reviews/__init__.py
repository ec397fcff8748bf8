"""reviews (was review-service): reviews by buyers of delivered items; product rating kept on the product."""
