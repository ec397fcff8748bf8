"""The words of the demo marketplace: an Indonesian catalog (categories, fictional brands, product
names, IDR price bands), people's names, hashtags, captions, comments and reviews."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Leaf:
    """A leaf category: what its products are called, what they cost and how people tag them."""

    parent: str
    name: str
    products: tuple[str, ...]
    price: tuple[int, int]  # IDR, whole thousands are drawn between these
    weight: tuple[int, int]  # grams
    options: tuple[str, tuple[str, ...]]  # variant attribute and its values
    hashtags: tuple[str, ...]
    brands: tuple[str, ...]


LEAVES: tuple[Leaf, ...] = (
    Leaf("Fashion Wanita", "Dress & Rok", ("Dress Midi Rayon", "Rok Plisket Premium", "Gamis Katun Jepang",
         "Dress Batik Modern", "Rok Span Denim", "Tunik Linen"), (89, 389), (200, 600),
         ("ukuran", ("S", "M", "L", "XL")), ("ootd", "ootdhijab", "fashionwanita", "outfitkondangan"),
         ("Kain Nusantara", "Batik Kita", "Seruni Mode")),
    Leaf("Fashion Wanita", "Hijab", ("Pashmina Ceruty Babydoll", "Hijab Segi Empat Voal", "Bergo Instan Jersey",
         "Pashmina Plisket", "Inner Ninja Rajut"), (25, 119), (80, 200),
         ("warna", ("Hitam", "Mocca", "Dusty Pink", "Sage", "Navy")), ("hijabstyle", "ootdhijab", "hijabers"),
         ("Seruni Mode", "Kain Nusantara")),
    Leaf("Fashion Pria", "Kemeja & Kaos Pria", ("Kemeja Flanel Kotak", "Kaos Oversize Katun 24s", "Kemeja Batik Pria",
         "Polo Shirt Pique", "Kemeja Linen Lengan Pendek"), (79, 299), (200, 450),
         ("ukuran", ("M", "L", "XL", "XXL")), ("ootdpria", "fashionpria", "batikmodern"),
         ("Batik Kita", "Langkah", "Kain Nusantara")),
    Leaf("Fashion Pria", "Sepatu", ("Sepatu Lari Pria", "Sneakers Kanvas Putih", "Sepatu Kulit Pantofel",
         "Sandal Gunung", "Slip On Kasual"), (149, 899), (600, 1200),
         ("ukuran", ("39", "40", "41", "42", "43")), ("sneakers", "laripagi", "sepatulokal"),
         ("Langkah", "Jejak Bumi")),
    Leaf("Kecantikan", "Skincare", ("Serum Vitamin C 20ml", "Sunscreen SPF 50 PA++++", "Toner Hydrating 100ml",
         "Moisturizer Gel Ceramide", "Facial Wash Low pH", "Serum Niacinamide 10%"), (39, 249), (80, 250),
         ("ukuran", ("30ml", "50ml", "100ml")), ("skincareroutine", "skincarelokal", "glowing", "reviewjujur"),
         ("Seruni Beauty", "Warna Kulit", "Embun Pagi")),
    Leaf("Kecantikan", "Makeup", ("Lip Cream Matte", "Cushion Foundation SPF 30", "Maskara Waterproof",
         "Bedak Tabur Translucent", "Eyeliner Spidol", "Blush On Cair"), (29, 189), (30, 150),
         ("shade", ("01 Nude", "02 Rose", "03 Coral", "04 Brick")), ("makeupnatural", "makeuplokal", "tutorialmakeup"),
         ("Warna Kulit", "Seruni Beauty")),
    Leaf("Kecantikan", "Parfum", ("Eau de Parfum Melati", "Body Mist Vanila", "Parfum Oud Nusantara",
         "Eau de Toilette Citrus"), (59, 459), (150, 400),
         ("ukuran", ("30ml", "50ml", "100ml")), ("parfumlokal", "wangiseharian"), ("Embun Pagi", "Seruni Beauty")),
    Leaf("Rumah & Dapur", "Peralatan Dapur", ("Teflon Anti Lengket 24cm", "Pisau Dapur Jepang", "Rice Cooker Mini",
         "Set Gelas Kaca Bening", "Talenan Kayu Jati", "Air Fryer 4L"), (39, 899), (300, 4000),
         ("warna", ("Hitam", "Putih", "Hijau Sage")), ("dapurminimalis", "masakrumahan", "resepmudah"),
         ("Dapur Ibu", "Rumah Kayu")),
    Leaf("Rumah & Dapur", "Dekorasi", ("Lampu Tidur Rotan", "Vas Keramik Handmade", "Cermin Dinding Bulat",
         "Sarung Bantal Tenun", "Rak Dinding Kayu"), (35, 459), (300, 3000),
         ("warna", ("Natural", "Putih", "Terracotta")), ("homedecor", "rumahminimalis", "dekorasirumah"),
         ("Rumah Kayu", "Lentera Living")),
    Leaf("Makanan & Minuman", "Kopi & Teh", ("Kopi Gayo Arabika 250g", "Kopi Susu Literan", "Teh Melati Tubruk",
         "Kopi Toraja Robusta 200g", "Cold Brew Botol"), (25, 159), (250, 1100),
         ("giling", ("Biji", "Halus", "Sedang")), ("kopi", "ngopi", "kopilokal", "pecintakopi"),
         ("Kopi Pagi", "Bumi Rasa")),
    Leaf("Makanan & Minuman", "Camilan", ("Keripik Pisang Lampung", "Basreng Pedas Daun Jeruk", "Sambal Bawang Botol",
         "Kue Kering Nastar", "Makaroni Pedas"), (15, 89), (100, 600),
         ("level", ("Original", "Pedas", "Extra Pedas")), ("jajanan", "camilanenak", "kulinerindonesia"),
         ("Bumi Rasa", "Dapur Ibu")),
    Leaf("Olahraga", "Lari & Fitness", ("Matras Yoga TPE 6mm", "Botol Minum Olahraga 1L", "Resistance Band Set",
         "Kaos Lari Dry Fit", "Jam Tangan Sport"), (35, 699), (150, 1500),
         ("warna", ("Hitam", "Biru", "Lilac")), ("laripagi", "olahraga", "hidupsehat", "yogaindonesia"),
         ("Gerak", "Langkah")),
    Leaf("Ibu & Anak", "Perlengkapan Bayi", ("Gendongan Bayi Hipseat", "Baju Bayi Katun Set", "Botol Susu Anti Kolik",
         "Selimut Bayi Muslin", "Mainan Gigitan Silikon"), (29, 459), (100, 900),
         ("usia", ("0-6 bln", "6-12 bln", "1-2 thn")), ("momlife", "bayisehat", "perlengkapanbayi"),
         ("Mungil", "Sehati")),
    Leaf("Elektronik", "Aksesoris HP", ("Casing HP Transparan", "Charger Fast Charging 33W", "TWS Earbuds Bluetooth",
         "Powerbank 10000mAh", "Tripod Ring Light"), (25, 499), (50, 400),
         ("warna", ("Hitam", "Putih", "Biru")), ("gadget", "unboxing", "techreview"), ("Gawai Plus", "Lentera Tech")),
)
GENERAL_HASHTAGS = ("racunbelanja", "reviewjujur", "haul", "rekomendasi", "produklokal", "belanjaonline",
                    "dailyvlog", "promo")

FIRST_NAMES = ("ayu", "budi", "citra", "dewi", "eko", "fitri", "gilang", "hana", "indra", "joko", "kartika", "lina",
               "made", "nina", "oka", "putri", "rudi", "sari", "tono", "wulan")
MORE_NAMES = ("agus", "andi", "anisa", "bayu", "bella", "dian", "dimas", "endah", "fajar", "farah", "galih", "gita",
              "hendra", "ika", "intan", "irfan", "jessica", "kevin", "laras", "maya", "mega", "nadia", "nanda",
              "novi", "nur", "puspita", "rahmat", "rani", "reza", "rina", "rizky", "sinta", "siti", "taufik", "tika",
              "vina", "wahyu", "yoga", "yuni", "zahra", "arif", "bagus", "cahya", "desi", "elsa", "fikri", "hasan",
              "ilham", "kiki", "lestari")
SURNAMES = ("saputra", "wijaya", "santoso", "pratama", "lestari", "hidayat", "kusuma", "permata", "nugroho",
            "utami", "siregar", "nasution", "wibowo", "rahayu", "setiawan", "purnama", "halim", "gunawan")
CITIES = (("DKI Jakarta", "Jakarta Selatan"), ("DKI Jakarta", "Jakarta Barat"), ("Jawa Barat", "Bandung"),
          ("Jawa Barat", "Bekasi"), ("Jawa Barat", "Depok"), ("Banten", "Tangerang Selatan"),
          ("Jawa Timur", "Surabaya"), ("Jawa Timur", "Malang"), ("Jawa Tengah", "Semarang"),
          ("DI Yogyakarta", "Sleman"), ("Bali", "Denpasar"), ("Sumatera Utara", "Medan"),
          ("Sulawesi Selatan", "Makassar"), ("Kalimantan Timur", "Balikpapan"), ("Sumatera Selatan", "Palembang"))
STREETS = ("Jl. Melati", "Jl. Kenanga", "Jl. Sudirman", "Jl. Diponegoro", "Jl. Gatot Subroto", "Jl. Merdeka",
           "Jl. Cempaka", "Jl. Anggrek", "Jl. Mawar", "Jl. Flamboyan")

CAPTIONS = (
    "Akhirnya nemu {thing} yang pas banget, langsung checkout lagi!",
    "Review jujur setelah 2 minggu pakai {thing}.",
    "Racun minggu ini: {thing}. Worth it menurutku.",
    "Look hari ini, semua produk lokal 🇮🇩",
    "Yang nanya link {thing}, aku tag ya di foto.",
    "Haul bulan ini! Favoritku {thing}.",
    "Rekomendasi {thing} buat kalian yang lagi cari.",
    "Pagi-pagi udah ditemenin {thing} ☀️",
    "Before after pakai {thing}, lumayan banget hasilnya.",
    "Unboxing {thing}, packing rapi dan cepat sampai.",
)
COMMENTS = ("Cakep banget!", "Beli di mana kak?", "Mau dong 😍", "Info harga kak", "Keren parah", "Udah checkout!",
            "Bahannya adem nggak kak?", "Racun banget ini", "Aku juga pakai ini, suka!", "Ada warna lain?",
            "Size chart dong kak", "Ongkirnya berapa ke Medan?", "Auto masuk keranjang", "Spill link kak 🙏")
REPLIES = ("Sudah aku tag ya kak", "Cek di tag produk kak 😊", "Iya adem banget", "Makasih kak!",
           "Ada kak, cek varian di tag")
REVIEWS = {
    5: ("Mantap, sesuai foto!", "Kualitas juara, bakal beli lagi", "Pengiriman cepat, barang bagus banget"),
    4: ("Bagus, sesuai harga", "Barang oke, pengiriman agak lama", "Suka, cuma warnanya sedikit beda"),
    3: ("Lumayan, standar", "Biasa aja sih", "Oke tapi packing kurang rapi"),
    2: ("Kurang sesuai ekspektasi", "Ukurannya kekecilan"),
    1: ("Barang rusak waktu sampai", "Tidak sesuai deskripsi"),
}
CANCEL_REASONS = ("berubah pikiran", "salah pilih ukuran", "ingin ganti alamat", "menemukan harga lebih murah")
SELLER_CANCEL_REASONS = ("Stok habis", "Varian yang dipesan sedang kosong", "Barang rusak saat pengecekan",
                         "Toko sedang libur")
