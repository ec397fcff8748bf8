"""content (was content-service): posts, images, hashtags, product tags, likes, saves, comments."""
