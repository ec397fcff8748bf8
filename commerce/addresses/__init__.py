"""addresses (was address-service): the buyer's Indonesian address book."""
