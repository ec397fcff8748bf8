"""sellers (was seller-service): onboarding and manual verification, the public shop page, seller-side
product drafts and stock (through catalog and inventory), and seller stats kept from events.

Seller-side order fulfilment lives with the orders it changes (`commerce.orders.fulfilment`)."""
