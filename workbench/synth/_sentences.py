"""Real, neutral sentences per language: the function words of the language editions.

Everyday news sentences (a meeting, a school, market prices, the weather, a football match,
a closed road, a newsletter, a hospital), written for the fixtures in twelve languages, the
same eight sentences in each. They carry each language's real function words and spelling,
so a language identifier has something true to find; nothing in them is extremist or names
a real person. Arabic, Persian, Urdu and Pashto share a script, as do Russian and
Ukrainian, and Bosnian sits beside Croatian and Serbian: the hard pairs the issue asks for.
"""

from __future__ import annotations

#: ISO 639-1 code -> the eight sentences.
SENTENCES: dict[str, tuple[str, ...]] = {
    "ar": (
        "قال المتحدث إن الاجتماع سيعقد في المدينة يوم الأحد المقبل.",
        "وأعلنت الوزارة عن افتتاح مدرسة جديدة في الحي الشمالي.",
        "ارتفعت أسعار الخبز والخضروات في السوق هذا الأسبوع.",
        "من المتوقع أن يكون الطقس باردا مع أمطار خفيفة في المساء.",
        "فاز الفريق المحلي في المباراة بعد هدف في الدقيقة الأخيرة.",
        "وذكر التقرير أن الطريق بين المدينتين مغلق بسبب الثلوج.",
        "هذا هو العدد الجديد من النشرة الأسبوعية التي تصدر كل يوم خميس.",
        "كما أشار إلى أن المستشفى يحتاج إلى المزيد من الأطباء.",
    ),
    "fa": (
        "سخنگوی دولت گفت که جلسه روز یکشنبه در شهر برگزار می‌شود.",
        "وزارت آموزش از افتتاح یک مدرسه جدید در محله شمالی خبر داد.",
        "قیمت نان و سبزیجات در بازار این هفته افزایش یافته است.",
        "پیش‌بینی می‌شود هوا سرد باشد و عصر باران خفیفی ببارد.",
        "تیم محلی پس از یک گل در دقیقه آخر مسابقه را برد.",
        "بر اساس این گزارش، جاده میان دو شهر به دلیل برف بسته است.",
        "این شماره تازه از خبرنامه هفتگی است که هر پنجشنبه منتشر می‌شود.",
        "او همچنین گفت که بیمارستان به پزشکان بیشتری نیاز دارد.",
    ),
    "ur": (
        "ترجمان نے کہا کہ اجلاس اتوار کے دن شہر میں ہوگا۔",
        "وزارت نے شمالی محلے میں ایک نئے اسکول کے افتتاح کا اعلان کیا ہے۔",
        "اس ہفتے بازار میں روٹی اور سبزیوں کی قیمتیں بڑھ گئی ہیں۔",
        "توقع ہے کہ موسم ٹھنڈا رہے گا اور شام کو ہلکی بارش ہوگی۔",
        "مقامی ٹیم نے آخری منٹ میں گول کر کے میچ جیت لیا۔",
        "رپورٹ کے مطابق دونوں شہروں کے درمیان سڑک برف کی وجہ سے بند ہے۔",
        "یہ ہفتہ وار خبرنامے کا نیا شمارہ ہے جو ہر جمعرات کو شائع ہوتا ہے۔",
        "انہوں نے یہ بھی کہا کہ ہسپتال کو مزید ڈاکٹروں کی ضرورت ہے۔",
    ),
    "ps": (
        "ویاند وویل چې غونډه به د یکشنبې په ورځ په ښار کې جوړه شي.",
        "وزارت په شمالي سیمه کې د یوه نوي ښوونځي د پرانیستو اعلان وکړ.",
        "پدې اونۍ کې په بازار کې د ډوډۍ او سبزیو بیې لوړې شوې دي.",
        "تمه کیږي چې هوا به سړه وي او ماښام به سپک باران وشي.",
        "سیمه ییز ټیم په وروستۍ دقیقه کې د ګول په وهلو سره لوبه وګټله.",
        "د راپور له مخې د دواړو ښارونو ترمنځ سړک د واورې له امله تړل شوی دی.",
        "دا د اونیزې خبرپاڼې نوې ګڼه ده چې هره پنجشنبه خپریږي.",
        "هغه دا هم وویل چې روغتون نورو ډاکټرانو ته اړتیا لري.",
    ),
    "ru": (
        "Представитель сказал, что встреча пройдёт в городе в воскресенье.",
        "Министерство объявило об открытии новой школы в северном районе.",
        "На этой неделе цены на хлеб и овощи на рынке выросли.",
        "Ожидается, что погода будет холодной, а вечером пройдёт небольшой дождь.",
        "Местная команда выиграла матч благодаря голу на последней минуте.",
        "Согласно отчёту, дорога между двумя городами закрыта из-за снега.",
        "Это новый выпуск еженедельного бюллетеня, который выходит каждый четверг.",
        "Он также отметил, что больнице нужны ещё врачи.",
    ),
    "uk": (
        "Представник сказав, що зустріч відбудеться в місті в неділю.",
        "Міністерство оголосило про відкриття нової школи в північному районі.",
        "Цього тижня ціни на хліб і овочі на ринку зросли.",
        "Очікується, що погода буде холодною, а ввечері піде невеликий дощ.",
        "Місцева команда виграла матч завдяки голу на останній хвилині.",
        "Згідно зі звітом, дорога між двома містами закрита через сніг.",
        "Це новий випуск щотижневого бюлетеня, який виходить щочетверга.",
        "Він також зазначив, що лікарні потрібні ще лікарі.",
    ),
    "en": (
        "The spokesman said that the meeting will take place in the city on Sunday.",
        "The ministry announced the opening of a new school in the northern district.",
        "This week the prices of bread and vegetables at the market went up.",
        "The weather is expected to be cold, with light rain in the evening.",
        "The local team won the match with a goal in the last minute.",
        "According to the report, the road between the two towns is closed because of snow.",
        "This is the new issue of the weekly newsletter, which comes out every Thursday.",
        "He also said that the hospital needs more doctors.",
    ),
    "fr": (
        "Le porte-parole a déclaré que la réunion aura lieu dans la ville dimanche.",
        "Le ministère a annoncé l'ouverture d'une nouvelle école dans le quartier nord.",
        "Cette semaine, les prix du pain et des légumes ont augmenté au marché.",
        "Le temps devrait être froid, avec une pluie légère dans la soirée.",
        "L'équipe locale a gagné le match grâce à un but à la dernière minute.",
        "Selon le rapport, la route entre les deux villes est fermée à cause de la neige.",
        "Voici le nouveau numéro de la lettre hebdomadaire, qui paraît chaque jeudi.",
        "Il a également dit que l'hôpital a besoin de plus de médecins.",
    ),
    "de": (
        "Der Sprecher sagte, dass das Treffen am Sonntag in der Stadt stattfinden wird.",
        "Das Ministerium kündigte die Eröffnung einer neuen Schule im nördlichen Viertel an.",
        "Diese Woche sind die Preise für Brot und Gemüse auf dem Markt gestiegen.",
        "Das Wetter soll kalt werden, und am Abend gibt es leichten Regen.",
        "Die örtliche Mannschaft hat das Spiel mit einem Tor in der letzten Minute gewonnen.",
        "Laut dem Bericht ist die Straße zwischen den beiden Städten wegen Schnee gesperrt.",
        "Das ist die neue Ausgabe des wöchentlichen Rundbriefs, der jeden Donnerstag erscheint.",
        "Er sagte auch, dass das Krankenhaus mehr Ärzte braucht.",
    ),
    "tr": (
        "Sözcü, toplantının pazar günü şehirde yapılacağını söyledi.",
        "Bakanlık kuzey mahallesinde yeni bir okulun açıldığını duyurdu.",
        "Bu hafta pazarda ekmek ve sebze fiyatları arttı.",
        "Havanın soğuk olması ve akşam hafif yağmur yağması bekleniyor.",
        "Yerel takım son dakikada attığı golle maçı kazandı.",
        "Rapora göre iki şehir arasındaki yol kar nedeniyle kapalı.",
        "Bu, her perşembe yayımlanan haftalık bültenin yeni sayısıdır.",
        "Ayrıca hastanenin daha fazla doktora ihtiyacı olduğunu belirtti.",
    ),
    "id": (
        "Juru bicara mengatakan bahwa pertemuan akan diadakan di kota pada hari Minggu.",
        "Kementerian mengumumkan pembukaan sekolah baru di wilayah utara.",
        "Minggu ini harga roti dan sayuran di pasar naik.",
        "Cuaca diperkirakan dingin dan akan turun hujan ringan pada malam hari.",
        "Tim lokal memenangkan pertandingan berkat gol pada menit terakhir.",
        "Menurut laporan itu, jalan antara kedua kota ditutup karena salju.",
        "Ini adalah edisi baru dari buletin mingguan yang terbit setiap hari Kamis.",
        "Dia juga mengatakan bahwa rumah sakit membutuhkan lebih banyak dokter.",
    ),
    "bs": (
        "Glasnogovornik je rekao da će se sastanak održati u gradu u nedjelju.",
        "Ministarstvo je najavilo otvaranje nove škole u sjevernom dijelu grada.",
        "Ove sedmice su cijene hljeba i povrća na pijaci porasle.",
        "Očekuje se da će vrijeme biti hladno, a uveče će padati slaba kiša.",
        "Domaći tim je pobijedio u utakmici golom u posljednjoj minuti.",
        "Prema izvještaju, put između dva grada je zatvoren zbog snijega.",
        "Ovo je novi broj sedmičnog biltena koji izlazi svakog četvrtka.",
        "On je također rekao da bolnici treba više ljekara.",
    ),
}

#: The script each language is written in (what a topic's invented words are drawn in).
SCRIPT = {"ar": "arabic", "fa": "arabic", "ur": "arabic", "ps": "arabic",
          "ru": "cyrillic", "uk": "cyrillic",
          "en": "latin", "fr": "latin", "de": "latin", "tr": "latin", "id": "latin",
          "bs": "latin"}
