from commerce.core.errors import Conflict, NotFound, ValidationFailed


class OutOfStock(Conflict):
    """`extra["variants"]` lists every line that could not be met, so a client can fix them all at once."""

    code = "out_of_stock"
    title = "Not enough stock"


class UnknownWarehouse(ValidationFailed):
    code = "unknown_warehouse"
    title = "Warehouse does not exist"


class UnknownVariant(ValidationFailed):
    code = "unknown_variant"
    title = "Variant does not exist in the catalog"


class WarehouseNotFound(NotFound):
    """A seller naming a warehouse that is not theirs: indistinguishable from one that does not exist."""

    code = "warehouse_not_found"
    title = "Warehouse not found"


class WarehouseCodeTaken(Conflict):
    code = "warehouse_code_taken"
    title = "Warehouse code is already in use"


class ReservationNotFound(NotFound):
    code = "reservation_not_found"
    title = "Reservation not found"


class ReservationMismatch(Conflict):
    code = "reservation_mismatch"
    title = "A reservation with this reference exists with other lines"


class ReservationClosed(Conflict):
    code = "reservation_closed"
    title = "The reservation with this reference has already ended"


class ReservationConfirmed(Conflict):
    code = "reservation_confirmed"
    title = "A confirmed reservation can only be returned (reason \"returned\")"


class StockBelowReserved(Conflict):
    code = "stock_below_reserved"
    title = "On-hand stock cannot drop below what is reserved or below zero"


class InvalidQuantity(ValidationFailed):
    code = "invalid_quantity"
    title = "Quantities must be whole numbers of at least 1"


class InvalidReason(ValidationFailed):
    code = "invalid_reason"
    title = "Unknown reason for a stock movement"
