"""shipping (was logistic-service): couriers, zone/weight rate tables, shipments and tracking."""
