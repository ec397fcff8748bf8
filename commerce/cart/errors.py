from commerce.core.errors import Conflict, NotFound, ValidationFailed


class CartItemNotFound(NotFound):
    code = "cart_item_not_found"
    title = "That item is not in your cart"


class CartNotFound(NotFound):
    code = "cart_not_found"
    title = "Cart not found"


class VariantNotPurchasable(ValidationFailed):
    code = "variant_not_purchasable"
    title = "This product is not for sale"


class NotEnoughStock(Conflict):
    code = "out_of_stock"
    title = "Not enough stock for that quantity"


class CartFull(ValidationFailed):
    code = "cart_full"
    title = "The cart holds at most 50 different items"
