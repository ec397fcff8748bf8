from commerce.core.errors import Conflict, Forbidden, NotFound


class SellerNotFound(NotFound):
    code = "seller_not_found"
    title = "Seller not found"


class ShopNotFound(NotFound):
    code = "shop_not_found"
    title = "Shop not found"


class NotASeller(Forbidden):
    code = "seller_required"
    title = "Only approved sellers can do this"


class HandleTaken(Conflict):
    code = "handle_taken"
    title = "That shop handle is taken"


class ApplicationPending(Conflict):
    code = "application_pending"
    title = "Your seller application is still waiting for review"


class AlreadySeller(Conflict):
    code = "already_seller"
    title = "You already have a shop"


class ApplicationNotPending(Conflict):
    code = "application_not_pending"
    title = "Only pending applications can be approved or rejected"


class SelfVerificationForbidden(Forbidden):
    code = "self_review_forbidden"
    title = "Nobody verifies their own seller application"


class VariantNotOwned(NotFound):
    code = "variant_not_found"
    title = "Variant not found among your products"
