-- The hospital's own texts in the languages families read besides Dutch and English
-- (Arabic, Polish, Turkish, Ukrainian): packing list items, kinds of visit, home medicine
-- names, the ward's name and a nurse's note on a visit. English and Dutch stay in their
-- own tables' columns; every other language is an optional row here, so a language is
-- added without a schema change. A reader without their language gets the Dutch words,
-- then the English ones, marked with the language they are in (pwa/hospital_texts.py).
--
-- Red-flag reasons are not here: they travel inside the rule's JSON ("reason": {"en",
-- "nl", "ar", ...}), which the phone evaluates offline and the audit log keeps whole.
--
-- subject_key names the row a text belongs to: packing_item.id, visit_kind.key,
-- home_medicine.id, visit.id (as text), and 'ward' for the one ward name. One table for
-- five subjects cannot have foreign keys, so triggers delete a row's texts with it
-- (also when a visit goes with its plan, or a child's record is purged: SQLite runs
-- triggers for ON DELETE CASCADE too).
CREATE TABLE hospital_text (
    subject TEXT NOT NULL
        CHECK (subject IN ('packing_item', 'visit_kind', 'home_medicine', 'ward_name', 'visit_note')),
    subject_key TEXT NOT NULL CHECK (length(subject_key) BETWEEN 1 AND 40),
    language TEXT NOT NULL CHECK (language IN ('ar', 'pl', 'tr', 'uk')),
    body TEXT NOT NULL CHECK (length(trim(body)) > 0 AND length(body) <= 1000),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (subject, subject_key, language)
);

CREATE TRIGGER hospital_text_packing_item_delete AFTER DELETE ON packing_item
BEGIN
    DELETE FROM hospital_text WHERE subject = 'packing_item' AND subject_key = CAST(OLD.id AS TEXT);
END;

CREATE TRIGGER hospital_text_visit_kind_delete AFTER DELETE ON visit_kind
BEGIN
    DELETE FROM hospital_text WHERE subject = 'visit_kind' AND subject_key = OLD.key;
END;

CREATE TRIGGER hospital_text_home_medicine_delete AFTER DELETE ON home_medicine
BEGIN
    DELETE FROM hospital_text WHERE subject = 'home_medicine' AND subject_key = CAST(OLD.id AS TEXT);
END;

CREATE TRIGGER hospital_text_visit_delete AFTER DELETE ON visit
BEGIN
    DELETE FROM hospital_text WHERE subject = 'visit_note' AND subject_key = CAST(OLD.id AS TEXT);
END;

-- The shipped examples in the four languages, for the rows earlier migrations seeded and
-- only while they still have their shipped words (an admin's own words are left alone:
-- a translation of words they no longer have would be wrong). Plain words a worried
-- parent understands; a certified medical translator checks them (docs/clinical.md).
WITH shipped (text_en, text_nl, language, body) AS (VALUES
    ('Medicines your child takes at home, in their boxes', 'Medicijnen die je kind thuis gebruikt, in de doosjes', 'ar', 'الأدوية التي يأخذها طفلك في البيت، في علبها'),
    ('Medicines your child takes at home, in their boxes', 'Medicijnen die je kind thuis gebruikt, in de doosjes', 'pl', 'Leki, które dziecko przyjmuje w domu, w opakowaniach'),
    ('Medicines your child takes at home, in their boxes', 'Medicijnen die je kind thuis gebruikt, in de doosjes', 'tr', 'Çocuğunuzun evde kullandığı ilaçlar, kutularıyla'),
    ('Medicines your child takes at home, in their boxes', 'Medicijnen die je kind thuis gebruikt, in de doosjes', 'uk', 'Ліки, які дитина приймає вдома, в упаковках'),
    ('Comfortable clothes and pyjamas for a week', 'Makkelijke kleding en pyjama''s voor een week', 'ar', 'ملابس مريحة وبيجامات لمدة أسبوع'),
    ('Comfortable clothes and pyjamas for a week', 'Makkelijke kleding en pyjama''s voor een week', 'pl', 'Wygodne ubrania i piżamy na tydzień'),
    ('Comfortable clothes and pyjamas for a week', 'Makkelijke kleding en pyjama''s voor een week', 'tr', 'Bir haftalık rahat giysiler ve pijamalar'),
    ('Comfortable clothes and pyjamas for a week', 'Makkelijke kleding en pyjama''s voor een week', 'uk', 'Зручний одяг і піжами на тиждень'),
    ('Favourite cuddly toy, blanket or pillow', 'Favoriete knuffel, dekentje of kussen', 'ar', 'اللعبة المحشوة أو البطانية أو الوسادة المفضلة'),
    ('Favourite cuddly toy, blanket or pillow', 'Favoriete knuffel, dekentje of kussen', 'pl', 'Ulubiona przytulanka, kocyk lub poduszka'),
    ('Favourite cuddly toy, blanket or pillow', 'Favoriete knuffel, dekentje of kussen', 'tr', 'En sevdiği peluş oyuncak, battaniye veya yastık'),
    ('Favourite cuddly toy, blanket or pillow', 'Favoriete knuffel, dekentje of kussen', 'uk', 'Улюблена м''яка іграшка, ковдрочка або подушка'),
    ('Phone and tablet chargers', 'Opladers voor telefoon en tablet', 'ar', 'شواحن الهاتف والجهاز اللوحي'),
    ('Phone and tablet chargers', 'Opladers voor telefoon en tablet', 'pl', 'Ładowarki do telefonu i tabletu'),
    ('Phone and tablet chargers', 'Opladers voor telefoon en tablet', 'tr', 'Telefon ve tablet şarj aletleri'),
    ('Phone and tablet chargers', 'Opladers voor telefoon en tablet', 'uk', 'Зарядні пристрої для телефона і планшета'),
    ('Toiletries, including lip balm', 'Toiletspullen, ook lippenbalsem', 'ar', 'أدوات النظافة الشخصية، ومنها مرطب الشفاه'),
    ('Toiletries, including lip balm', 'Toiletspullen, ook lippenbalsem', 'pl', 'Przybory toaletowe, także balsam do ust'),
    ('Toiletries, including lip balm', 'Toiletspullen, ook lippenbalsem', 'tr', 'Banyo ve bakım malzemeleri, dudak kremi de'),
    ('Toiletries, including lip balm', 'Toiletspullen, ook lippenbalsem', 'uk', 'Засоби гігієни, зокрема бальзам для губ'),
    ('Games, books or school work for quiet hours', 'Spelletjes, boeken of schoolwerk voor rustige uren', 'ar', 'ألعاب أو كتب أو واجبات مدرسية للأوقات الهادئة'),
    ('Games, books or school work for quiet hours', 'Spelletjes, boeken of schoolwerk voor rustige uren', 'pl', 'Gry, książki lub zadania szkolne na spokojne godziny'),
    ('Games, books or school work for quiet hours', 'Spelletjes, boeken of schoolwerk voor rustige uren', 'tr', 'Sakin saatler için oyunlar, kitaplar veya okul ödevleri'),
    ('Games, books or school work for quiet hours', 'Spelletjes, boeken of schoolwerk voor rustige uren', 'uk', 'Ігри, книжки або шкільні завдання для спокійних годин'),
    ('This week''s symptom notes and questions for the team', 'Je aantekeningen en vragen voor het team', 'ar', 'ملاحظاتك عن الأعراض هذا الأسبوع وأسئلتك للفريق'),
    ('This week''s symptom notes and questions for the team', 'Je aantekeningen en vragen voor het team', 'pl', 'Notatki o objawach z tego tygodnia i pytania do zespołu'),
    ('This week''s symptom notes and questions for the team', 'Je aantekeningen en vragen voor het team', 'tr', 'Bu haftaki belirtilerle ilgili notlarınız ve ekibe sorularınız'),
    ('This week''s symptom notes and questions for the team', 'Je aantekeningen en vragen voor het team', 'uk', 'Нотатки про симптоми за цей тиждень і запитання до команди')
)
INSERT INTO hospital_text (subject, subject_key, language, body, updated_at)
SELECT 'packing_item', CAST(packing_item.id AS TEXT), shipped.language, shipped.body, '2027-01-01T00:00:00.000000Z'
  FROM shipped
  JOIN packing_item ON packing_item.text_en = shipped.text_en AND packing_item.text_nl = shipped.text_nl;

WITH shipped (key, name_en, name_nl, language, body) AS (VALUES
    ('admission', 'Hospital stay', 'Opname', 'ar', 'إقامة في المستشفى'),
    ('admission', 'Hospital stay', 'Opname', 'pl', 'Pobyt w szpitalu'),
    ('admission', 'Hospital stay', 'Opname', 'tr', 'Hastanede yatış'),
    ('admission', 'Hospital stay', 'Opname', 'uk', 'Перебування в лікарні'),
    ('day_visit', 'Day visit', 'Dagbehandeling', 'ar', 'زيارة علاج نهارية'),
    ('day_visit', 'Day visit', 'Dagbehandeling', 'pl', 'Wizyta dzienna'),
    ('day_visit', 'Day visit', 'Dagbehandeling', 'tr', 'Günübirlik tedavi'),
    ('day_visit', 'Day visit', 'Dagbehandeling', 'uk', 'Денне лікування'),
    ('home_infusion', 'Home infusion', 'Infuus thuis', 'ar', 'تسريب وريدي في البيت'),
    ('home_infusion', 'Home infusion', 'Infuus thuis', 'pl', 'Wlew dożylny w domu'),
    ('home_infusion', 'Home infusion', 'Infuus thuis', 'tr', 'Evde serum (infüzyon)'),
    ('home_infusion', 'Home infusion', 'Infuus thuis', 'uk', 'Інфузія вдома'),
    ('scan', 'Scan', 'Scan', 'ar', 'تصوير طبي'),
    ('scan', 'Scan', 'Scan', 'pl', 'Badanie obrazowe'),
    ('scan', 'Scan', 'Scan', 'tr', 'Görüntüleme (tarama)'),
    ('scan', 'Scan', 'Scan', 'uk', 'Сканування'),
    ('hearing_test', 'Hearing test', 'Gehoortest', 'ar', 'فحص السمع'),
    ('hearing_test', 'Hearing test', 'Gehoortest', 'pl', 'Badanie słuchu'),
    ('hearing_test', 'Hearing test', 'Gehoortest', 'tr', 'İşitme testi'),
    ('hearing_test', 'Hearing test', 'Gehoortest', 'uk', 'Перевірка слуху'),
    ('heart_echo', 'Heart echo', 'Hartecho', 'ar', 'تخطيط صدى القلب (إيكو)'),
    ('heart_echo', 'Heart echo', 'Hartecho', 'pl', 'Echo serca'),
    ('heart_echo', 'Heart echo', 'Hartecho', 'tr', 'Kalp ekosu'),
    ('heart_echo', 'Heart echo', 'Hartecho', 'uk', 'УЗД серця'),
    ('outpatient_check', 'Outpatient check', 'Controle op de poli', 'ar', 'مراجعة في العيادة الخارجية'),
    ('outpatient_check', 'Outpatient check', 'Controle op de poli', 'pl', 'Wizyta kontrolna w poradni'),
    ('outpatient_check', 'Outpatient check', 'Controle op de poli', 'tr', 'Poliklinik kontrolü'),
    ('outpatient_check', 'Outpatient check', 'Controle op de poli', 'uk', 'Контрольний огляд у поліклініці'),
    ('local_blood_test', 'Blood test at the local hospital', 'Bloedprikken in het ziekenhuis dichtbij', 'ar', 'تحليل دم في المستشفى القريب منكم'),
    ('local_blood_test', 'Blood test at the local hospital', 'Bloedprikken in het ziekenhuis dichtbij', 'pl', 'Badanie krwi w pobliskim szpitalu'),
    ('local_blood_test', 'Blood test at the local hospital', 'Bloedprikken in het ziekenhuis dichtbij', 'tr', 'Yakındaki hastanede kan tahlili'),
    ('local_blood_test', 'Blood test at the local hospital', 'Bloedprikken in het ziekenhuis dichtbij', 'uk', 'Аналіз крові в найближчій лікарні')
)
INSERT INTO hospital_text (subject, subject_key, language, body, updated_at)
SELECT 'visit_kind', visit_kind.key, shipped.language, shipped.body, '2027-01-01T00:00:00.000000Z'
  FROM shipped
  JOIN visit_kind ON visit_kind.key = shipped.key
                 AND visit_kind.name_en = shipped.name_en AND visit_kind.name_nl = shipped.name_nl;

WITH shipped (key, name_nl, name_en, language, body) AS (VALUES
    ('isotretinoin', 'Isotretinoïne', 'Isotretinoin', 'ar', 'إيزوتريتينوين'),
    ('isotretinoin', 'Isotretinoïne', 'Isotretinoin', 'pl', 'Izotretynoina'),
    ('isotretinoin', 'Isotretinoïne', 'Isotretinoin', 'tr', 'İzotretinoin'),
    ('isotretinoin', 'Isotretinoïne', 'Isotretinoin', 'uk', 'Ізотретиноїн'),
    ('gabapentin', 'Gabapentine', 'Gabapentin', 'ar', 'غابابنتين'),
    ('gabapentin', 'Gabapentine', 'Gabapentin', 'pl', 'Gabapentyna'),
    ('gabapentin', 'Gabapentine', 'Gabapentin', 'tr', 'Gabapentin'),
    ('gabapentin', 'Gabapentine', 'Gabapentin', 'uk', 'Габапентин'),
    ('morphine-wean', 'Morfine (afbouwschema)', 'Morphine (weaning)', 'ar', 'مورفين (تخفيف الجرعة تدريجيًا)'),
    ('morphine-wean', 'Morfine (afbouwschema)', 'Morphine (weaning)', 'pl', 'Morfina (stopniowe odstawianie)'),
    ('morphine-wean', 'Morfine (afbouwschema)', 'Morphine (weaning)', 'tr', 'Morfin (dozu azaltarak bırakma)'),
    ('morphine-wean', 'Morfine (afbouwschema)', 'Morphine (weaning)', 'uk', 'Морфін (поступове зменшення дози)')
)
INSERT INTO hospital_text (subject, subject_key, language, body, updated_at)
SELECT 'home_medicine', CAST(home_medicine.id AS TEXT), shipped.language, shipped.body, '2027-01-01T00:00:00.000000Z'
  FROM shipped
  JOIN home_medicine ON home_medicine.key = shipped.key
                    AND home_medicine.name_nl = shipped.name_nl AND home_medicine.name_en = shipped.name_en;

-- The example red-flag rules' reasons, matched by rule id and only while both shipped
-- reasons are unchanged (as 0009 and 0012 do).
WITH shipped (rule_id, reason_en, reason_nl, ar, pl, tr, uk) AS (VALUES
    ('temperature-high', 'Temperature of 38.5 °C or higher', 'Temperatuur van 38,5 °C of hoger',
     'درجة حرارة 38.5 °C أو أعلى', 'Temperatura 38,5 °C lub wyższa', 'Vücut sıcaklığı 38,5 °C veya üzeri', 'Температура 38,5 °C або вище'),
    ('temperature-twice', 'Temperature of 38.0 °C or higher twice within 24 hours', 'Twee keer binnen 24 uur een temperatuur van 38,0 °C of hoger',
     'درجة حرارة 38.0 °C أو أعلى مرتين خلال 24 ساعة', 'Dwa razy w ciągu 24 godzin temperatura 38,0 °C lub wyższa', '24 saat içinde iki kez 38,0 °C veya üzeri vücut sıcaklığı', 'Двічі за 24 години температура 38,0 °C або вище'),
    ('temperature-low', 'Temperature below 36.0 °C', 'Temperatuur onder 36,0 °C',
     'درجة حرارة أقل من 36.0 °C', 'Temperatura poniżej 36,0 °C', 'Vücut sıcaklığı 36,0 °C''nin altında', 'Температура нижче 36,0 °C'),
    ('breathing-hard', 'Difficulty breathing', 'Moeite met ademen',
     'صعوبة في التنفس', 'Trudności z oddychaniem', 'Nefes almada zorluk', 'Важко дихати'),
    ('swelling-face', 'Swelling of the face, eyes or lips', 'Zwelling van gezicht, ogen of lippen',
     'تورم الوجه أو العينين أو الشفتين', 'Obrzęk twarzy, oczu lub ust', 'Yüzde, gözlerde veya dudaklarda şişlik', 'Набряк обличчя, очей або губ'),
    ('urine-none', 'No urine for 6 hours or more', '6 uur of langer niet geplast',
     'عدم التبول لمدة 6 ساعات أو أكثر', 'Brak moczu przez 6 godzin lub dłużej', '6 saat veya daha uzun süredir idrar yok', 'Немає сечі 6 годин або довше'),
    ('nerves-confused', 'Confused, very sleepy or a seizure', 'In de war, erg slaperig of een aanval',
     'ارتباك، أو نعاس شديد، أو نوبة تشنج', 'Splątanie, bardzo silna senność lub drgawki', 'Bilinç bulanıklığı, aşırı uyku hali veya nöbet (havale)', 'Сплутаність свідомості, сильна сонливість або судоми'),
    ('line-problem', 'Line or pump leaking, disconnected or alarming', 'Lijn of pomp lekt, zit los of geeft alarm',
     'القسطرة أو المضخة تسرّب أو انفصلت أو تُصدر إنذارًا', 'Cewnik lub pompa przecieka, odłączyła się lub alarmuje', 'Kateter veya pompa sızdırıyor, çıkmış ya da alarm veriyor', 'Катетер або помпа протікає, від''єдналася чи подає сигнал тривоги'),
    ('pain-severe', 'Pain of 7 or more', 'Pijn van 7 of meer',
     'ألم بدرجة 7 أو أكثر', 'Ból oceniony na 7 lub więcej', 'Ağrı puanı 7 veya üzeri', 'Біль на 7 балів або більше'),
    ('pain-moderate', 'Pain of 4 or more', 'Pijn van 4 of meer',
     'ألم بدرجة 4 أو أكثر', 'Ból oceniony na 4 lub więcej', 'Ağrı puanı 4 veya üzeri', 'Біль на 4 бали або більше'),
    ('temperature-raised', 'Temperature of 38.0 °C or higher', 'Temperatuur van 38,0 °C of hoger',
     'درجة حرارة 38.0 °C أو أعلى', 'Temperatura 38,0 °C lub wyższa', 'Vücut sıcaklığı 38,0 °C veya üzeri', 'Температура 38,0 °C або вище'),
    ('breathing-fast', 'Fast or noisy breathing', 'Snelle of hoorbare ademhaling',
     'تنفس سريع أو مسموع', 'Szybki lub głośny oddech', 'Hızlı veya sesli nefes alma', 'Часте або гучне дихання'),
    ('swelling-body', 'Swelling of the legs or body', 'Zwelling van benen of lichaam',
     'تورم الساقين أو الجسم', 'Obrzęk nóg lub ciała', 'Bacaklarda veya vücutta şişlik', 'Набряк ніг або тіла'),
    ('urine-less', 'Less urine than usual', 'Minder plassen dan normaal',
     'تبول أقل من المعتاد', 'Mniej moczu niż zwykle', 'Her zamankinden az idrar', 'Менше сечі, ніж зазвичай'),
    ('rash-a-lot', 'A lot of rash, itching or hives', 'Veel uitslag, jeuk of bultjes',
     'طفح جلدي أو حكة أو شرى بكثرة', 'Dużo wysypki, swędzenia lub pokrzywki', 'Çok fazla döküntü, kaşıntı veya kurdeşen', 'Сильний висип, свербіж або кропив''янка'),
    ('vomiting-a-lot', 'A lot of vomiting', 'Veel overgeven',
     'قيء كثير', 'Dużo wymiotów', 'Çok fazla kusma', 'Сильне блювання'),
    ('diarrhoea-a-lot', 'A lot of diarrhoea', 'Veel diarree',
     'إسهال كثير', 'Silna biegunka', 'Çok fazla ishal', 'Сильна діарея'),
    ('eyes-changed', 'Changes in the eyes or vision', 'Veranderingen aan de ogen of het zien',
     'تغيرات في العينين أو في النظر', 'Zmiany w oczach lub w widzeniu', 'Gözlerde veya görmede değişiklik', 'Зміни в очах або в зорі'),
    ('nerves-changed', 'Tingling, weakness or headache', 'Tintelingen, zwakte of hoofdpijn',
     'تنميل، أو ضعف، أو صداع', 'Mrowienie, osłabienie lub ból głowy', 'Karıncalanma, güçsüzlük veya baş ağrısı', 'Поколювання, слабкість або головний біль'),
    ('line-site', 'Red or painful line site', 'Rode of pijnlijke insteekplek',
     'احمرار أو ألم في مكان دخول القسطرة', 'Zaczerwienione lub bolesne miejsce wkłucia cewnika', 'Kateterin girdiği yerde kızarıklık veya ağrı', 'Почервоніння або біль у місці входу катетера')
)
UPDATE red_flag_rule
   SET definition = json_set(definition, '$.reason.ar', shipped.ar, '$.reason.pl', shipped.pl,
                             '$.reason.tr', shipped.tr, '$.reason.uk', shipped.uk)
  FROM shipped
 WHERE json_extract(red_flag_rule.definition, '$.id') = shipped.rule_id
   AND json_extract(red_flag_rule.definition, '$.reason.en') = shipped.reason_en
   AND json_extract(red_flag_rule.definition, '$.reason.nl') = shipped.reason_nl;
