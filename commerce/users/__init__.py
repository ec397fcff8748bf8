"""users (was user-service): public profiles and the owner's profile edits."""
