"""Deterministic generator of the synthetic sample dataset: invented organisations, people and posts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from faker import Faker

from influence_lib.schema import TABLE_NAMES, TABLES

DEFAULT_SEED = 20210601

COLUMNS: dict[str, list[str]] = {name: TABLES[name].column_names for name in TABLE_NAMES}
_COUNT_COLUMNS = ("likes", "comments", "shares", "quotes")

# ---------------------------------------------------------------------------------------------
# Settings of the sample: sectors, segments, editions and the calibration targets.
# ---------------------------------------------------------------------------------------------

_DATASET_TITLE = "Classement des Directions les plus influentes"

_EDITIONS: dict[str, tuple[dt.date, dt.date]] = {
    "2021": (dt.date(2020, 6, 1), dt.date(2021, 6, 1)),
    "2020": (dt.date(2019, 6, 1), dt.date(2020, 6, 1)),
}

# Windows just outside the editions, holding ~1% extra posts that no edition counts.
_OUTSIDE_WINDOWS: dict[str, tuple[dt.date, dt.date]] = {
    "2021": (dt.date(2021, 6, 1), dt.date(2021, 7, 15)),
    "2020": (dt.date(2019, 4, 15), dt.date(2019, 6, 1)),
}
_OUTSIDE_SHARE = 0.012

# Per sector: segments (key, label, top, organisations at scale 1, relative team size), totals at
# scale 1 (members, LinkedIn and Twitter accounts) and, per edition and platform, the exact number
# of counted posts and the exact engagement they carry.
_SECTORS: dict[str, dict] = {
    "sante": {
        "title": "Santé, Pharma et Biotech",
        "focus": "laboratoires-biotech",
        "segments": [
            ("laboratoires-biotech", "Laboratoires et Biotech", 100, 140, 1.2),
            ("equipement-medical", "Équipement Médical", 50, 60, 1.0),
            ("e-sante", "E-Santé", 20, 30, 0.7),
            ("sante-beaute", "Santé et Beauté", 20, 28, 0.9),
        ],
        "members": 1651,
        "accounts": {"linkedin": 1425, "twitter": 125},
        "targets": {
            "2021": {"linkedin": (10250, 488500), "twitter": (1450, 9000)},
            "2020": {"linkedin": (8300, 341000), "twitter": (1650, 8400)},
        },
    },
    "banque-assurance": {
        "title": "Banque et Assurance",
        "focus": "banques",
        "segments": [
            ("banques", "Banques", 15, 26, 1.2),
            ("assurances", "Assurances et Mutuelles", 15, 24, 1.0),
            ("fintech", "Fintech et Néobanques", 10, 16, 0.7),
        ],
        "members": 468,
        "accounts": {"linkedin": 402, "twitter": 44},
        "targets": {
            "2021": {"linkedin": (1600, 61000), "twitter": (320, 2400)},
            "2020": {"linkedin": (1450, 50000), "twitter": (340, 2500)},
        },
    },
    "energie": {
        "title": "Énergie et Environnement",
        "focus": "fournisseurs-energie",
        "segments": [
            ("fournisseurs-energie", "Fournisseurs d'Énergie", 15, 22, 1.2),
            ("renouvelables", "Énergies Renouvelables", 10, 18, 0.8),
            ("environnement", "Eau, Déchets et Environnement", 10, 14, 1.0),
        ],
        "members": 338,
        "accounts": {"linkedin": 288, "twitter": 26},
        "targets": {
            "2021": {"linkedin": (1200, 50000), "twitter": (160, 1300)},
            "2020": {"linkedin": (1000, 37000), "twitter": (150, 1150)},
        },
    },
}

_PLATFORMS = ("linkedin", "twitter")

# Non-counted posts (reposts and replies) per counted post, and the kind mixes.
_NONCOUNTED_RATIO = {"linkedin": 0.10, "twitter": 0.45}
_QUOTE_SHARE = {"linkedin": 0.02, "twitter": 0.09}  # among counted posts
_REPOST_SHARE = {"linkedin": 0.90, "twitter": 0.40}  # among non-counted posts, the rest are replies

# ---------------------------------------------------------------------------------------------
# Vocabulary: organisation names, roles, countries, formats, themes, hashtags.
# ---------------------------------------------------------------------------------------------

_SYLLABLES_A = (
    "Al", "Am", "Ar", "Bel", "Cal", "Cor", "Dal", "Der", "El", "Fal", "Fen", "Gal", "Gar", "Hel",
    "Iv", "Jal", "Kal", "Lum", "Lys", "Mar", "Mel", "Mir", "Nor", "Ol", "Or", "Pal", "Quin", "Ros",
    "Sal", "Sel", "Sor", "Tal", "Tor", "Ul", "Val", "Vel", "Ver", "Zen", "Ber", "Cy",
)
_SYLLABLES_B = ("a", "e", "i", "o", "u", "ya", "ia", "ea", "ora", "ena", "ina", "ela")
_SYLLABLES_C = (
    "vis", "tis", "rix", "lia", "nova", "cia", "dor", "lane", "mont", "rane", "thys", "line",
    "sia", "vel", "zane", "quin", "ris", "phane", "dis", "ton", "lis", "mea", "xia", "ral",
)
# Cores never used, whatever the syllables give (names of real companies, lowercase).
_BLOCKED_CORES = frozenset({
    "sanofi", "servier", "ipsen", "biogen", "genfit", "cellectis", "valneva", "abivax", "nicox",
    "transgene", "erytech", "novacyt", "onxeo", "inventiva", "poxel", "carmat", "doctolib",
    "withings", "lifen", "cegedim", "clarins", "nuxe", "caudalie", "guerbet", "biocodex",
    "medtronic", "novartis", "roche", "pfizer", "moderna", "amgen", "orange", "engie", "veolia",
    "suez", "total", "axa", "allianz", "natixis", "amundi", "covea", "malakoff", "alan", "qonto",
    "lydia", "shift", "neoen", "voltalia", "albioma", "akuo", "valeo", "vivendi", "ubisoft",
    "thales", "safran", "alstom", "dassault", "sodexo", "elior", "orpea", "korian", "clariane",
    "mirova", "eramet", "arkema", "solvay", "vallourec", "verallia", "virbac", "vetoquinol",
    "stallergenes", "innate", "eurofins", "biomerieux", "sartorius", "korian", "ramsay", "elsan",
    "vivalto", "galderma", "sisley", "yves", "filorga", "avene", "vichy", "uriage", "bioderma",
    "lumibird", "celyad", "galapagos", "ucb", "argenx", "mithra", "sequana", "dalenys", "marlane",
})
_ORG_TEMPLATES: dict[str, tuple[str, ...]] = {
    "laboratoires-biotech": ("{} Pharma", "Laboratoires {}", "{} Biotech", "{} Therapeutics", "{} Bio", "{}"),
    "equipement-medical": (
        "{} Medical", "{} Médical", "{} Instruments", "{} Technologies", "{} Dispositifs Médicaux",
    ),
    "e-sante": ("{} Santé", "{} Health", "{} Care", "{} Connect", "{}"),
    "sante-beaute": ("Laboratoires {}", "{} Cosmétiques", "{} Beauté", "{} Dermatologie", "{} Naturel"),
    "banques": ("Banque {}", "{} Banque", "Crédit {}", "{} Finance"),
    "assurances": ("{} Assurances", "Mutuelle {}", "{} Prévoyance", "Groupe {}"),
    "fintech": ("{} Pay", "{}", "{} Invest", "{} Fintech"),
    "fournisseurs-energie": ("{} Énergie", "{} Énergies", "Groupe {}", "{} Gaz et Électricité"),
    "renouvelables": ("{} Renouvelables", "{} Solaire", "{} Éolien", "{} Hydrogène"),
    "environnement": ("{} Environnement", "{} Eaux", "{} Recyclage", "{} Services"),
}
_COUNTRIES = (("FR", 0.85), ("CH", 0.05), ("BE", 0.04), ("DE", 0.03), ("US", 0.03))

# Role titles per category: (masculine, feminine, weight). English titles are gender-neutral.
_ROLE_TITLES: dict[str, tuple[tuple[str, str, float], ...]] = {
    "ceo": (
        ("Directeur Général", "Directrice Générale", 5),
        ("Président-Directeur Général", "Présidente-Directrice Générale", 3),
        ("CEO", "CEO", 1.5),
        ("Président du Directoire", "Présidente du Directoire", 1),
        ("Directeur Général France", "Directrice Générale France", 1.5),
        ("Co-fondateur et CEO", "Co-fondatrice et CEO", 0.7),
    ),
    "chair": (
        ("Président du Conseil d'Administration", "Présidente du Conseil d'Administration", 3),
        ("Président du Conseil", "Présidente du Conseil", 2),
        ("Président du Conseil de Surveillance", "Présidente du Conseil de Surveillance", 1),
    ),
    "finance": (
        ("Directeur Financier", "Directrice Financière", 4),
        ("CFO", "CFO", 1.5),
        ("Directeur Administratif et Financier", "Directrice Administrative et Financière", 2),
    ),
    "medical": (
        ("Directeur Médical", "Directrice Médicale", 4),
        ("Chief Medical Officer", "Chief Medical Officer", 1),
        ("Directeur des Affaires Médicales", "Directrice des Affaires Médicales", 1.5),
    ),
    "research": (
        ("Directeur R&D", "Directrice R&D", 4),
        ("Directeur Scientifique", "Directrice Scientifique", 2),
        ("Chief Scientific Officer", "Chief Scientific Officer", 1),
    ),
    "commercial": (
        ("Directeur Commercial", "Directrice Commerciale", 4),
        ("Directeur Marketing et Ventes", "Directrice Marketing et Ventes", 2),
        ("Chief Commercial Officer", "Chief Commercial Officer", 1),
    ),
    "hr": (
        ("DRH", "DRH", 3),
        ("Directeur des Ressources Humaines", "Directrice des Ressources Humaines", 3),
    ),
    "communication": (
        ("Directeur de la Communication", "Directrice de la Communication", 4),
        ("Directeur de la Communication et des Affaires Publiques",
         "Directrice de la Communication et des Affaires Publiques", 1.5),
    ),
    "digital": (
        ("Chief Digital Officer", "Chief Digital Officer", 2),
        ("Directeur des Systèmes d'Information", "Directrice des Systèmes d'Information", 2),
        ("Directeur de la Transformation Digitale", "Directrice de la Transformation Digitale", 1.5),
    ),
    "operations": (
        ("Directeur des Opérations", "Directrice des Opérations", 4),
        ("COO", "COO", 1),
        ("Directeur Industriel", "Directrice Industrielle", 2),
        ("Directeur Supply Chain", "Directrice Supply Chain", 1),
    ),
    "legal": (
        ("Directeur Juridique", "Directrice Juridique", 4),
        ("General Counsel", "General Counsel", 1),
        ("Directeur Conformité", "Directrice Conformité", 1),
    ),
    "other": (
        ("Administrateur", "Administratrice", 3),
        ("Administrateur Indépendant", "Administratrice Indépendante", 2),
        ("Secrétaire Général", "Secrétaire Générale", 2),
        ("Directeur de la Stratégie", "Directrice de la Stratégie", 1.5),
        ("Directeur Qualité", "Directrice Qualité", 1),
    ),
}
_PDG_VARIANT = 1  # index of "Président-Directeur Général" among the ceo titles

# Categories of the members after the CEO (and chair), per sector.
_OTHER_ROLE_WEIGHTS: dict[str, dict[str, float]] = {
    "sante": {"finance": 14, "medical": 9, "research": 9, "commercial": 13, "hr": 11,
              "communication": 8, "digital": 7, "operations": 11, "legal": 6, "other": 12},
    "banque-assurance": {"finance": 16, "commercial": 15, "hr": 12, "communication": 8,
                         "digital": 11, "operations": 12, "legal": 10, "other": 16},
    "energie": {"finance": 14, "research": 6, "commercial": 14, "hr": 12, "communication": 8,
                "digital": 8, "operations": 16, "legal": 8, "other": 14},
}
_FEMALE_SHARE = {"ceo": 0.2, "chair": 0.18, "hr": 0.68, "communication": 0.66, "legal": 0.52,
                 "medical": 0.48, "research": 0.38, "finance": 0.33, "commercial": 0.33,
                 "digital": 0.3, "operations": 0.27, "other": 0.38}
_CHAIR_SHARE = 0.55
_EMPTY_GENDER_SHARE = 0.012

# Role effects: on posting activity and on engagement per post.
_ROLE_ACTIVITY = {"ceo": 1.4, "chair": 0.9, "communication": 1.4, "digital": 1.25, "hr": 1.1,
                  "commercial": 1.0, "research": 0.9, "medical": 0.9, "operations": 0.75,
                  "finance": 0.7, "legal": 0.6, "other": 0.7}
_ROLE_ENGAGEMENT = {"ceo": 1.6, "chair": 1.35, "communication": 1.1}
_ROLE_FOLLOWERS = {"ceo": 3.0, "chair": 2.2, "communication": 1.5, "digital": 1.4}
_ROLE_TWITTER = {"ceo": 3.0, "chair": 2.0, "communication": 2.5, "digital": 2.0}

_FORMATS = ("text", "image", "video", "article", "document", "poll", "link", "other")
_FORMAT_SHARES: dict[tuple[str, str], tuple[float, ...]] = {
    # text image video article document poll link other
    ("linkedin", "2021"): (0.25, 0.35, 0.12, 0.10, 0.08, 0.03, 0.05, 0.02),
    ("linkedin", "2020"): (0.28, 0.37, 0.10, 0.12, 0.04, 0.01, 0.06, 0.02),
    ("twitter", "2021"): (0.40, 0.30, 0.10, 0.00, 0.00, 0.03, 0.15, 0.02),
    ("twitter", "2020"): (0.42, 0.28, 0.08, 0.00, 0.00, 0.02, 0.18, 0.02),
}
_FORMAT_ENGAGEMENT = (0.8, 1.0, 1.6, 0.7, 1.5, 1.2, 0.45, 0.6)

# Shares of likes, comments, shares and quotes in a post's engagement.
_COMPONENT_SHARES = {"linkedin": (0.82, 0.12, 0.06, 0.0), "twitter": (0.66, 0.09, 0.19, 0.06)}
_HIDDEN_SHARE = 0.015
_OUTLIER_SHARE = 1 / 500
_IMPRESSIONS_SHARE = {"linkedin": 0.04, "twitter": 0.03}
_KIND_ENGAGEMENT = {"original": 1.0, "quote": 0.7, "repost": 1.3, "reply": 0.05}

# Posting calendar, Europe/Paris local time.
_TIMEZONE = "Europe/Paris"
_WEEKDAY_WEIGHTS = (1.0, 1.08, 1.06, 1.02, 0.9, 0.3, 0.2)  # Monday first
_MONTH_WEIGHTS = (1.0, 1.0, 1.05, 1.0, 0.95, 1.0, 0.8, 0.35, 1.1, 1.1, 1.05, 0.8)
_HOUR_WEIGHTS = (0, 0, 0, 0, 0, 0.02, 0.15, 0.9, 2.4, 2.1, 1.6, 1.4, 1.9, 1.7, 1.3, 1.3,
                 1.4, 1.8, 1.5, 1.0, 0.7, 0.6, 0.35, 0.1)
# Engagement per post by posting time (Europe/Paris): the feed is busiest on weekday mornings and
# at lunch, quiet in the evening, at night and at weekends. Relative factors: the final
# calibration rescales every group to its exact total, so only their ratios matter.
_HOUR_ENGAGEMENT = (0.55, 0.5, 0.5, 0.5, 0.5, 0.6, 0.85, 1.45, 1.6, 1.5, 1.15, 1.1, 1.35, 1.3, 1.0,
                    0.95, 0.95, 1.0, 0.9, 0.8, 0.65, 0.6, 0.55, 0.55)
_WEEKDAY_ENGAGEMENT = (0.9, 1.12, 1.15, 1.1, 0.85, 0.7, 0.68)  # Monday first
_WEEKEND_HOUR_DAMPING = 0.5  # at weekends the hour matters less: factor ** 0.5

# Phases of the period, for the themes people talk about.
_PHASES = (dt.date(2020, 3, 1), dt.date(2020, 11, 9))  # Covid-19 crisis, then vaccines

# Themes: sentences, hashtags and engagement multiplier.
_THEMES: dict[str, dict] = {
    "innovation": {
        "mult": 1.0,
        "tags": ("#innovation", "#startup", "#frenchtech", "#technologie"),
        "sentences": (
            "Fiers de présenter notre nouvelle solution !",
            "L'innovation se construit avec nos partenaires et nos clients.",
            "Journée innovation avec nos équipes : des idées concrètes.",
            "Lancement de notre programme d'open innovation.",
            "Innover, c'est d'abord écouter le terrain.",
        ),
    },
    "recherche": {
        "mult": 1.1,
        "tags": ("#recherche", "#essaiclinique", "#biotech", "#science", "#pharma"),
        "sentences": (
            "Premiers résultats encourageants pour notre programme de recherche.",
            "Résultats de phase II publiés : merci aux patients.",
            "Visite de notre centre R&D ce matin : la recherche française a du talent.",
            "Lancement d'un essai clinique dans cinq pays européens.",
        ),
    },
    "covid": {
        "mult": 1.3,
        "tags": ("#covid19", "#coronavirus", "#confinement", "#soignants", "#solidarité"),
        "sentences": (
            "Mobilisés depuis le premier jour aux côtés des soignants.",
            "Merci à nos équipes sur site pendant le confinement.",
            "La crise sanitaire rappelle l'importance d'une industrie souveraine.",
            "Télétravail pour tous les postes qui le permettent.",
            "Dons de masques et de gel aux hôpitaux de la région.",
        ),
    },
    "vaccin": {
        "mult": 1.5,
        "tags": ("#vaccin", "#vaccination", "#covid19", "#science"),
        "sentences": (
            "La vaccination est notre meilleure arme contre l'épidémie.",
            "Nos sites tournent à plein régime pour livrer les doses de vaccin.",
            "Vacciné aujourd'hui. Merci au centre de vaccination !",
            "Des vaccins en un temps record : merci aux chercheurs.",
        ),
    },
    "esante": {
        "mult": 1.1,
        "tags": ("#esanté", "#télémédecine", "#santénumérique", "#data", "#IA"),
        "sentences": (
            "La télémédecine s'installe dans le parcours de soins.",
            "Le suivi des patients à distance devient réalité.",
            "Les données de santé, levier majeur de la prise en charge.",
            "Table ronde sur l'avenir de la santé numérique.",
        ),
    },
    "recrutement": {
        "mult": 1.15,
        "tags": ("#recrutement", "#emploi", "#talents", "#onrecrute", "#alternance"),
        "sentences": (
            "Nous recrutons ! Plus de 50 postes ouverts en France.",
            "Rejoignez-nous : production, qualité, R&D.",
            "Bienvenue à nos nouveaux alternants !",
            "Nos équipes s'agrandissent : découvrez nos offres.",
        ),
    },
    "congres": {
        "mult": 0.9,
        "tags": ("#congrès", "#salon", "#événement", "#conférence"),
        "sentences": (
            "Retrouvez-nous sur notre stand au congrès cette semaine.",
            "Merci aux organisateurs pour ce salon réussi.",
            "J'interviendrai demain à la table ronde sur notre secteur.",
            "Quel plaisir de retrouver nos partenaires !",
        ),
    },
    "rse": {
        "mult": 1.0,
        "tags": ("#RSE", "#développementdurable", "#inclusion", "#diversité"),
        "sentences": (
            "Notre rapport RSE est en ligne.",
            "Égalité professionnelle : index de 94/100 cette année.",
            "Engagés pour l'inclusion des personnes en situation de handicap.",
            "Objectif : -30 % d'émissions d'ici 2025.",
        ),
    },
    "resultats": {
        "mult": 0.8,
        "tags": ("#résultats", "#croissance", "#levéedefonds", "#investissement"),
        "sentences": (
            "Résultats annuels solides, merci à nos équipes.",
            "Chiffre d'affaires en hausse de 12 % au premier semestre.",
            "Levée de fonds finalisée pour accélérer notre développement.",
            "Une année record malgré un contexte exigeant.",
        ),
    },
    "partenariat": {
        "mult": 1.0,
        "tags": ("#partenariat", "#collaboration", "#europe"),
        "sentences": (
            "Heureux d'annoncer un nouveau partenariat stratégique.",
            "Accord signé pour accélérer notre développement en Europe.",
            "Bienvenue à notre nouveau partenaire !",
        ),
    },
    "equipe": {
        "mult": 1.25,
        "tags": ("#fierté", "#équipe", "#management", "#leadership"),
        "sentences": (
            "Immense fierté pour nos équipes, mobilisées chaque jour.",
            "Merci à toutes et à tous pour votre engagement.",
            "Séminaire du comité de direction aujourd'hui.",
            "Bravo à nos collaborateurs récompensés ce soir !",
        ),
    },
    "patients": {
        "mult": 1.2,
        "tags": ("#patients", "#santé", "#accèsauxsoins", "#maladiesrares"),
        "sentences": (
            "Notre mission : améliorer la vie des patients.",
            "Rencontre inspirante avec des associations de patients.",
            "Pour un meilleur accès aux traitements.",
        ),
    },
    "finance": {
        "mult": 0.8,
        "tags": ("#finance", "#banque", "#assurance", "#fintech", "#ISR", "#épargne"),
        "sentences": (
            "Aux côtés des entreprises avec les prêts garantis par l'État.",
            "Nos conseillers restent mobilisés à vos côtés.",
            "Finance durable : nos encours ISR ont doublé en un an.",
            "Nouvelle offre 100 % digitale pour les professionnels.",
        ),
    },
    "transition": {
        "mult": 1.1,
        "tags": ("#transitionénergétique", "#énergie", "#renouvelables", "#solaire", "#éolien"),
        "sentences": (
            "Mise en service de notre nouveau parc éolien.",
            "Nous investissons dans les renouvelables partout en France.",
            "Sobriété, efficacité, renouvelables : notre stratégie.",
            "Une centrale solaire pour 20 000 foyers.",
        ),
    },
    "hydrogene": {
        "mult": 1.2,
        "tags": ("#hydrogène", "#francerelance", "#industrie", "#innovation"),
        "sentences": (
            "L'hydrogène vert, filière d'avenir pour l'industrie.",
            "Lancement de notre premier électrolyseur à grande échelle.",
            "France Relance accélère la filière hydrogène.",
        ),
    },
    "climat": {
        "mult": 1.0,
        "tags": ("#climat", "#biodiversité", "#économiecirculaire", "#environnement"),
        "sentences": (
            "Nous publions notre trajectoire bas carbone.",
            "Préserver la biodiversité sur nos sites.",
            "Économie circulaire : 80 % de nos déchets valorisés.",
        ),
    },
}
# Theme weights per sector, for the phases (before Covid-19, crisis, vaccines).
_SECTOR_THEMES: dict[str, dict[str, tuple[float, float, float]]] = {
    "sante": {
        "innovation": (3, 2, 2.5), "recherche": (3, 2, 2.5), "covid": (0, 6, 2.5),
        "vaccin": (0.2, 1, 5), "esante": (1, 2.5, 3), "recrutement": (3, 1.5, 2.5),
        "congres": (3, 0.8, 0.6), "rse": (1.5, 1, 1.8), "resultats": (1.5, 1, 1.5),
        "partenariat": (2, 1.5, 2), "equipe": (2, 3, 2), "patients": (2, 1.5, 1.5),
    },
    "banque-assurance": {
        "innovation": (2, 1.5, 2), "finance": (4, 4, 4), "covid": (0, 5, 2),
        "recrutement": (3, 1.5, 2.5), "congres": (2.5, 0.8, 0.6), "rse": (2, 1.5, 2.5),
        "climat": (1, 1, 1.5), "resultats": (2, 1.5, 2), "partenariat": (1.5, 1, 1.5),
        "equipe": (2, 3, 2),
    },
    "energie": {
        "transition": (4, 3, 4), "hydrogene": (0.5, 1.5, 3), "climat": (2, 2, 2.5),
        "innovation": (2, 1.5, 2), "covid": (0, 4, 1.5), "recrutement": (2.5, 1.5, 2),
        "congres": (2.5, 0.8, 0.6), "rse": (1.5, 1.5, 2), "resultats": (1.5, 1, 1.5),
        "partenariat": (1.5, 1, 1.5), "equipe": (1.5, 2.5, 1.5),
    },
}
_SECTOR_TAGS = {
    "sante": ("#santé", "#pharma", "#biotech", "#innovation", "#santé"),
    "banque-assurance": ("#banque", "#assurance", "#finance"),
    "energie": ("#énergie", "#environnement", "#industrie"),
}
_HASHTAG_COUNT_SHARES = (0.2, 0.35, 0.3, 0.15)  # 0, 1, 2 or 3 hashtags
_CLOSERS = ("", "", "", "", " 👏", " 🚀", " 👇", " 💡")
_REPOST_COMMENTS = (
    "À lire !", "Bravo aux équipes 👏", "Très fier de ce projet.", "Belle initiative.",
    "Un grand merci à tous.", "À partager largement.",
)
_REPLY_TEXTS = (
    "Merci pour ce partage !", "Bravo à toute l'équipe 👏", "Tout à fait d'accord.",
    "Merci, on en parle bientôt.", "Félicitations !", "Avec plaisir !",
)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def dataset_settings_dict() -> dict:
    """Return the content of the sample's ``dataset.yml`` as a dictionary.

    The settings do not depend on the scale: a scaled dataset keeps the same sectors, segments,
    Top N sizes and editions.

    Returns
    -------
    dict
        ``title``, ``sectors`` (key -> ``title``, ``focus``, ``segments`` as a list of
        ``key``/``label``/``top`` mappings) and ``editions`` (text key -> ``start``/``end`` dates
        of the half-open UTC period).
    """
    sectors = {}
    for key, sector in _SECTORS.items():
        sectors[key] = {
            "title": sector["title"],
            "focus": sector["focus"],
            "segments": [{"key": s[0], "label": s[1], "top": s[2]} for s in sector["segments"]],
        }
    editions = {key: {"start": start, "end": end} for key, (start, end) in _EDITIONS.items()}
    return {"title": _DATASET_TITLE, "sectors": sectors, "editions": editions}


def generate_dataset(scale: float = 1.0, seed: int = DEFAULT_SEED) -> dict[str, pd.DataFrame]:
    """Generate the synthetic dataset: invented organisations, leadership teams, accounts and posts.

    The same ``scale`` and ``seed`` always give the same tables. At scale 1, sector ``sante``,
    edition 2021 reproduces the methodology box of the original study (258 organisations,
    1,651 members, ...); organisations, members, accounts, counted posts and engagement grow in
    proportion to ``scale``.

    Parameters
    ----------
    scale : float, default 1.0
        Size factor; each segment keeps at least one organisation.
    seed : int, default 20210601
        Seed of the random generators (numpy and Faker).

    Returns
    -------
    dict of str to pandas.DataFrame
        Tables ``organizations``, ``members``, ``accounts`` and ``posts`` with the columns of the
        data contract, in its order. Counts are nullable integers (``Int64``), ``published_at``
        is a UTC timestamp.

    Raises
    ------
    ValueError
        If ``scale`` is not a positive finite number.
    """
    scale = float(scale)
    if not np.isfinite(scale) or scale <= 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    rng = np.random.default_rng(seed)
    fake = Faker("fr_FR")
    fake.seed_instance(seed)

    orgs = _make_organizations(rng, scale)
    members = _make_members(rng, fake, orgs)
    accounts = _make_accounts(rng, members, scale)
    posts = _make_posts(rng, accounts, scale)

    accounts = accounts.assign(followers=accounts["followers"].astype("Int64"))
    return {
        "organizations": orgs[COLUMNS["organizations"]].reset_index(drop=True),
        "members": members[COLUMNS["members"]].reset_index(drop=True),
        "accounts": accounts[COLUMNS["accounts"]].reset_index(drop=True),
        "posts": posts[COLUMNS["posts"]].reset_index(drop=True),
    }


def write_dataset(out_dir, scale: float = 1.0, seed: int = DEFAULT_SEED) -> list[Path]:
    """Generate the synthetic dataset and write it as four CSV files and a ``dataset.yml``.

    Files are UTF-8 without byte-order mark, ``,``-separated, LF line endings, empty fields for
    missing values, timestamps as ``YYYY-MM-DDTHH:MM:SSZ``: the same ``scale`` and ``seed`` write
    byte-identical files.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder to write to; created if needed. Existing files of the same names are replaced.
    scale : float, default 1.0
        Size factor, see `generate_dataset`.
    seed : int, default 20210601
        Seed of the random generators.

    Returns
    -------
    list of pathlib.Path
        The files written: ``organizations.csv``, ``members.csv``, ``accounts.csv``,
        ``posts.csv`` and ``dataset.yml``.

    Raises
    ------
    FileExistsError
        If the folder holds a ``<table>.parquet`` file, which would make the dataset ambiguous.
    """
    out = Path(out_dir)
    clashes = [out / f"{name}.parquet" for name in COLUMNS if (out / f"{name}.parquet").exists()]
    if clashes:
        names = ", ".join(p.name for p in clashes)
        raise FileExistsError(
            f"{out} holds {names}: a dataset cannot have both CSV and Parquet tables; "
            "remove them or choose another folder"
        )
    tables = generate_dataset(scale=scale, seed=seed)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        frame = frame.copy()
        if name == "posts":
            frame["published_at"] = frame["published_at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
        path = out / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8", na_rep="")
        written.append(path)
    path = out / "dataset.yml"
    text = yaml.safe_dump(dataset_settings_dict(), sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    written.append(path)
    return written


# ---------------------------------------------------------------------------------------------
# Organisations, members, accounts
# ---------------------------------------------------------------------------------------------


def _scaled(n: float, scale: float, minimum: int = 0) -> int:
    """Round ``n * scale`` half up, with a floor."""
    return max(minimum, int(np.floor(n * scale + 0.5)))


def _make_cores(rng: np.random.Generator, n: int) -> np.ndarray:
    """Invent ``n`` distinct name cores from syllables, avoiding names of real companies."""
    cores: list[str] = []
    seen: set[str] = set()
    syllables = (np.array(_SYLLABLES_A), np.array(_SYLLABLES_B), np.array(_SYLLABLES_C))
    for attempt in range(50):
        pool = max(64, 3 * n)
        parts = [s[rng.integers(0, len(s), pool)] for s in syllables]
        candidates = np.char.add(np.char.add(parts[0], parts[1]), parts[2])
        if attempt >= 5:  # syllable combinations running out at very large scales
            extra = np.array(_SYLLABLES_B)[rng.integers(0, len(_SYLLABLES_B), pool)]
            candidates = np.char.add(np.char.add(candidates, extra), parts[2])
        for name in candidates.tolist():
            if name not in seen and name.lower() not in _BLOCKED_CORES:
                seen.add(name)
                cores.append(name)
        if len(cores) >= n:
            return np.array(cores[:n], dtype=object)
    raise RuntimeError(f"could not invent {n} distinct organisation names")


def _make_organizations(rng: np.random.Generator, scale: float) -> pd.DataFrame:
    """Organisations of every sector, with their segment and team size."""
    rows = []
    for sector, conf in _SECTORS.items():
        for key, _label, _top, n_orgs, size_factor in conf["segments"]:
            n = _scaled(n_orgs, scale, minimum=1)
            rows.append(pd.DataFrame({"sector": sector, "segment": [key] * n, "size_factor": size_factor}))
    orgs = pd.concat(rows, ignore_index=True)
    n = len(orgs)

    cores = _make_cores(rng, n)
    names = np.empty(n, dtype=object)
    for segment, templates in _ORG_TEMPLATES.items():
        mask = (orgs["segment"] == segment).to_numpy()
        if not mask.any():
            continue
        choice = rng.integers(0, len(templates), mask.sum())
        names[mask] = [templates[c].format(core) for c, core in zip(choice, cores[mask])]
    codes, weights = zip(*_COUNTRIES)
    orgs["name"] = names
    orgs["country"] = np.array(codes)[rng.choice(len(codes), n, p=np.array(weights) / sum(weights))]
    width = max(4, len(str(n)))
    orgs.insert(0, "org_id", [f"org-{i:0{width}d}" for i in range(1, n + 1)])

    # Team sizes: at least 2 (CEO + one), heavier for larger segments, exact total per sector.
    sizes = np.zeros(n, dtype=np.int64)
    for sector, conf in _SECTORS.items():
        mask = (orgs["sector"] == sector).to_numpy()
        k = int(mask.sum())
        target = max(2 * k, _scaled(conf["members"], scale))
        factor = orgs.loc[mask, "size_factor"].to_numpy()
        lam = np.maximum(target / k - 2, 0.1) * factor / factor.mean()
        draw = 2 + rng.negative_binomial(4, 4 / (4 + lam))
        sizes[mask] = _adjust_total(rng, draw, target, minimum=2)
    orgs["n_members"] = sizes

    # A few organisations whose members never post.
    silent = np.zeros(n, dtype=bool)
    for sector in _SECTORS:
        idx = np.flatnonzero((orgs["sector"] == sector).to_numpy())
        k = int(round(0.04 * len(idx)))
        if k:
            silent[rng.choice(idx, k, replace=False)] = True
    orgs["silent"] = silent
    return orgs


def _adjust_total(rng: np.random.Generator, sizes: np.ndarray, target: int, minimum: int) -> np.ndarray:
    """Add or remove units at random so that ``sizes`` sums to ``target``, keeping ``minimum``."""
    sizes = np.maximum(sizes.astype(np.int64), minimum)
    diff = int(target - sizes.sum())
    while diff != 0:
        if diff > 0:
            np.add.at(sizes, rng.choice(len(sizes), diff, replace=True), 1)
        else:
            eligible = np.flatnonzero(sizes > minimum)
            take = rng.choice(eligible, min(-diff, len(eligible)), replace=False)
            sizes[take] -= 1
        diff = int(target - sizes.sum())
    return sizes


def _make_members(rng: np.random.Generator, fake: Faker, orgs: pd.DataFrame) -> pd.DataFrame:
    """Leadership teams: one CEO per organisation, often a chair, then the executive committee."""
    org_idx = np.repeat(np.arange(len(orgs)), orgs["n_members"].to_numpy())
    n = len(org_idx)
    team = orgs["n_members"].to_numpy()
    position = np.arange(n) - np.repeat(np.cumsum(team) - team, team)
    sector = orgs["sector"].to_numpy()[org_idx]
    has_chair = (rng.random(len(orgs)) < _CHAIR_SHARE) & (orgs["n_members"].to_numpy() >= 3)

    category = np.empty(n, dtype=object)
    for sec, weights in _OTHER_ROLE_WEIGHTS.items():
        mask = sector == sec
        cats = np.array(list(weights), dtype=object)
        p = np.array(list(weights.values()), dtype=float)
        category[mask] = cats[rng.choice(len(cats), mask.sum(), p=p / p.sum())]
    category[position == 0] = "ceo"
    category[(position == 1) & has_chair[org_idx]] = "chair"

    p_female = np.array([_FEMALE_SHARE[c] for c in category])
    gender = np.where(rng.random(n) < p_female, "f", "m").astype(object)
    gender[rng.random(n) < _EMPTY_GENDER_SHARE] = None

    role = np.empty(n, dtype=object)
    for cat, titles in _ROLE_TITLES.items():
        mask = category == cat
        if not mask.any():
            continue
        weights = np.array([t[2] for t in titles], dtype=float)
        variant = rng.choice(len(titles), mask.sum(), p=weights / weights.sum())
        if cat == "ceo":  # a Président-Directeur Général leaves no room for a separate chair
            chaired = has_chair[org_idx[mask]]
            variant = np.where(chaired & (variant == _PDG_VARIANT), 0, variant)
        masc = np.array([t[0] for t in titles], dtype=object)[variant]
        fem = np.array([t[1] for t in titles], dtype=object)[variant]
        role[mask] = np.where(gender[mask] == "f", fem, masc)

    first = [
        fake.first_name_female() if g == "f" else fake.first_name_male() if g == "m" else fake.first_name()
        for g in gender
    ]
    last = [fake.last_name() for _ in range(n)]
    width = max(5, len(str(n)))
    members = pd.DataFrame({
        "member_id": [f"mbr-{i:0{width}d}" for i in range(1, n + 1)],
        "org_id": orgs["org_id"].to_numpy()[org_idx],
        "full_name": [f"{a} {b}" for a, b in zip(first, last)],
        "first_name": first,
        "last_name": last,
        "role": role,
        "role_category": category,
        "gender": gender,
    })
    members["sector"] = sector
    members["silent"] = orgs["silent"].to_numpy()[org_idx]
    members["latent"] = rng.standard_normal(n)  # propensity to post, shared by all accounts
    return members


def _ascii_slug(values: pd.Series, sep: str) -> pd.Series:
    """Lowercase ASCII slugs of names (accents dropped, other characters replaced by ``sep``)."""
    plain = values.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
    return plain.str.replace(r"[^a-z0-9]+", sep, regex=True).str.strip(sep)


def _make_accounts(rng: np.random.Generator, members: pd.DataFrame, scale: float) -> pd.DataFrame:
    """LinkedIn accounts for most members, Twitter accounts for a few, none for some."""
    n = len(members)
    category = members["role_category"].to_numpy()
    has = {p: np.zeros(n, dtype=bool) for p in _PLATFORMS}
    for sector, conf in _SECTORS.items():
        idx = np.flatnonzero((members["sector"] == sector).to_numpy())
        n_li = min(len(idx), _scaled(conf["accounts"]["linkedin"], scale, minimum=1))
        w = np.where(category[idx] == "ceo", 1.6, 1.0) * np.where(category[idx] == "chair", 0.8, 1.0)
        has["linkedin"][rng.choice(idx, n_li, replace=False, p=w / w.sum())] = True
        n_tw = min(len(idx), _scaled(conf["accounts"]["twitter"], scale, minimum=1))
        w = np.array([_ROLE_TWITTER.get(c, 1.0) for c in category[idx]])
        w = w * np.where(has["linkedin"][idx], 1.0, 0.2) * np.exp(0.5 * members["latent"].to_numpy()[idx])
        has["twitter"][rng.choice(idx, n_tw, replace=False, p=w / w.sum())] = True

    frames = []
    for order, platform in enumerate(_PLATFORMS):
        sub = members.loc[has[platform]].copy()
        sub["platform"] = platform
        sub["order"] = order
        frames.append(sub)
    acc = pd.concat(frames).sort_values(["member_id", "order"], kind="stable").reset_index(drop=True)
    k = len(acc)
    width = max(5, len(str(k)))
    acc.insert(0, "account_id", [f"acc-{i:0{width}d}" for i in range(1, k + 1)])
    is_li = (acc["platform"] == "linkedin").to_numpy()
    cat = acc["role_category"].to_numpy()
    latent = acc["latent"].to_numpy()

    # Handles: LinkedIn profile URLs with a random suffix, Twitter handles of at most 15 characters.
    full = _ascii_slug(acc["full_name"], "-")
    suffix = pd.Series(rng.integers(0, 16**8, k)).map("{:08x}".format)
    li_handle = "https://www.linkedin.com/in/" + full + "-" + suffix + "/"
    first = _ascii_slug(acc["first_name"], "")
    last = _ascii_slug(acc["last_name"], "")
    style = rng.integers(0, 4, k)
    tw = np.select(
        [style == 0, style == 1, style == 2],
        [first.str[:1] + last, first + "_" + last, first + last],
        default=first.str.capitalize() + last.str.capitalize(),
    )
    tw = pd.Series(tw).str[:15]
    dup = tw.duplicated(keep="first") | tw.str.len().lt(3)
    tw = tw.where(~dup, tw.str[:11] + pd.Series(rng.integers(10, 100, k)).astype(str))
    while tw[~is_li].duplicated().any():  # rare: give a longer number to the remaining clashes
        dup = tw.duplicated(keep="first") & pd.Series(~is_li)
        tw = tw.where(~dup, tw.str[:9] + pd.Series(rng.integers(1000, 10000, k)).astype(str))
    acc["handle"] = np.where(is_li, li_handle, "@" + tw)

    # Followers: Pareto-like, larger for CEOs and chairs and for active people; a few unknown.
    role_f = np.array([_ROLE_FOLLOWERS.get(c, 1.0) for c in cat])
    li_f = 150 * (1 + rng.pareto(1.2, k)) * role_f * np.exp(0.4 * latent)
    tw_f = 60 * (1 + rng.pareto(1.0, k)) * role_f * np.exp(0.4 * latent)
    followers = np.rint(np.minimum(np.where(is_li, li_f, tw_f), 400_000))
    acc["followers_true"] = followers
    acc["followers"] = pd.array(followers.astype(np.int64), dtype="Int64")
    acc.loc[rng.random(k) < 0.03, "followers"] = pd.NA

    # Engagement level per post: grows with audience, higher for CEOs and chairs.
    role_e = np.array([_ROLE_ENGAGEMENT.get(c, 1.0) for c in cat])
    base = np.empty(k)
    for platform in _PLATFORMS:
        m = (acc["platform"] == platform).to_numpy()
        if m.any():
            base[m] = (followers[m] / np.median(followers[m])) ** 0.45
    acc["base"] = base * role_e * np.exp(0.45 * rng.standard_normal(k))

    # Activity per edition: correlated between editions so that most ranks hold and some move.
    acc_latent = 0.8 * latent + 0.6 * rng.standard_normal(k)
    role_a = np.array([_ROLE_ACTIVITY.get(c, 1.0) for c in cat])
    for edition in _EDITIONS:
        ed_latent = 0.85 * acc_latent + 0.53 * rng.standard_normal(k)
        active = (ed_latent > 0.0) & ~acc["silent"].to_numpy()
        acc[f"weight_{edition}"] = np.where(active, np.exp(1.3 * ed_latent) * role_a, 0.0)
        acc[f"base_{edition}"] = acc["base"].to_numpy() * np.exp(0.3 * rng.standard_normal(k))
    return acc


# ---------------------------------------------------------------------------------------------
# Posts
# ---------------------------------------------------------------------------------------------


def _utc(day: dt.date) -> np.datetime64:
    """Midnight UTC of ``day`` as a numpy datetime (seconds)."""
    return np.datetime64(day.isoformat(), "s")


def _sample_times(rng: np.random.Generator, n: int, start: dt.date, end: dt.date) -> np.ndarray:
    """Posting times in ``[start, end)`` UTC, drawn in Europe/Paris local time.

    Weekdays and office hours peak, August and the Christmas weeks dip.
    """
    days = pd.date_range(start, end, freq="D", inclusive="left")
    w = np.array(_WEEKDAY_WEIGHTS)[days.day_of_week] * np.array(_MONTH_WEIGHTS)[days.month - 1]
    holidays = ((days.month == 12) & (days.day >= 23)) | ((days.month == 1) & (days.day <= 2))
    w = np.where(holidays, w * 0.45, w)
    day = days.to_numpy().astype("datetime64[s]")[rng.choice(len(days), n, p=w / w.sum())]
    hours = np.array(_HOUR_WEIGHTS, dtype=float)
    seconds = rng.choice(24, n, p=hours / hours.sum()) * 3600 + rng.integers(0, 3600, n)
    seconds = seconds.astype("timedelta64[s]")
    local = pd.DatetimeIndex(day + seconds)
    utc = local.tz_localize(_TIMEZONE, ambiguous=np.zeros(n, dtype=bool), nonexistent="shift_forward")
    out = utc.tz_convert("UTC").tz_localize(None).to_numpy().astype("datetime64[s]")
    one_day = np.timedelta64(1, "D")
    out = np.where(out < _utc(start), out + one_day, out)  # local midnight hours of the first day
    return np.where(out >= _utc(end), out - one_day, out)


def _time_engagement(times: np.ndarray) -> np.ndarray:
    """Engagement factor of posts published at ``times`` (UTC), from their Europe/Paris weekday and hour.

    Weekday mornings (Tuesday to Thursday most of all) and lunch time do best; evenings, nights
    and weekends do worst.
    """
    local = pd.DatetimeIndex(times).tz_localize("UTC").tz_convert(_TIMEZONE)
    weekday = local.day_of_week.to_numpy()
    hour = np.array(_HOUR_ENGAGEMENT)[local.hour.to_numpy()]
    hour = np.where(weekday >= 5, hour**_WEEKEND_HOUR_DAMPING, hour)
    return np.array(_WEEKDAY_ENGAGEMENT)[weekday] * hour


def _make_posts(rng: np.random.Generator, acc: pd.DataFrame, scale: float) -> pd.DataFrame:
    """Posts of every account: counted posts calibrated per sector, edition and platform."""
    acc_sector = acc["sector"].to_numpy()
    acc_platform = acc["platform"].to_numpy()
    acc_silent = acc["silent"].to_numpy()

    blocks = []  # (account index, time, kind, group, is_counted)
    groups: dict[int, tuple[str, str, str, int]] = {}
    for sector, conf in _SECTORS.items():
        for platform in _PLATFORMS:
            idx = np.flatnonzero((acc_sector == sector) & (acc_platform == platform))
            for edition, (start, end) in _EDITIONS.items():
                n_posts, engagement = conf["targets"][edition][platform]
                n_posts, engagement = _scaled(n_posts, scale), _scaled(engagement, scale)
                gid = len(groups)
                groups[gid] = (sector, platform, edition, engagement)
                if len(idx) == 0:
                    continue
                w = acc[f"weight_{edition}"].to_numpy()[idx]
                if w.sum() <= 0:  # tiny scales: nobody happens to be active
                    w = np.where(acc_silent[idx], 0.0, 1.0) if (~acc_silent[idx]).any() else np.ones(len(idx))
                p = w / w.sum()
                n_other = _scaled(n_posts, _NONCOUNTED_RATIO[platform])
                n_out = _scaled(n_posts, _OUTSIDE_SHARE)
                specs = (
                    (n_posts, start, end, True),
                    (n_other, start, end, False),
                    (n_out, *_OUTSIDE_WINDOWS[edition], None),
                )
                for total, lo, hi, counted in specs:
                    if total == 0:
                        continue
                    who = np.repeat(idx, rng.multinomial(total, p))
                    times = _sample_times(rng, total, lo, hi)
                    u = rng.random(total)
                    if counted is True:
                        kind = np.where(u < _QUOTE_SHARE[platform], "quote", "original")
                    elif counted is False:
                        kind = np.where(u < _REPOST_SHARE[platform], "repost", "reply")
                    else:
                        kind = np.select([u < 0.88, u < 0.9, u < 0.98], ["original", "quote", "repost"], "reply")
                    flags = np.full(total, counted is True)
                    blocks.append((who, times, kind.astype(object), np.full(total, gid), flags))

    who = np.concatenate([b[0] for b in blocks])
    times = np.concatenate([b[1] for b in blocks])
    kind = np.concatenate([b[2] for b in blocks])
    group = np.concatenate([b[3] for b in blocks])
    counted = np.concatenate([b[4] for b in blocks])
    n = len(who)
    platform = acc_platform[who]
    sector = acc_sector[who]
    edition = np.array([groups[g][2] for g in range(len(groups))], dtype=object)[group]
    is_li = platform == "linkedin"

    # Formats, per platform and edition.
    fmt = np.empty(n, dtype=np.int64)
    for (plat, ed), shares in _FORMAT_SHARES.items():
        m = (platform == plat) & (edition == ed)
        p = np.array(shares)
        fmt[m] = rng.choice(len(_FORMATS), m.sum(), p=p / p.sum())

    # Themes, per sector and phase.
    theme_names = list(_THEMES)
    phase = np.searchsorted(np.array([_utc(d) for d in _PHASES]), times, side="right")
    theme = np.empty(n, dtype=np.int64)
    for sec, weights in _SECTOR_THEMES.items():
        ids = np.array([theme_names.index(t) for t in weights])
        for ph in range(len(_PHASES) + 1):
            m = (sector == sec) & (phase == ph)
            p = np.array([w[ph] for w in weights.values()], dtype=float)
            theme[m] = ids[rng.choice(len(ids), m.sum(), p=p / p.sum())]

    # Expected engagement per post: author level x format x theme x kind x posting time x noise
    # x rare outliers.
    base = np.zeros(n)
    for ed in _EDITIONS:
        m = edition == ed
        base[m] = acc[f"base_{ed}"].to_numpy()[who[m]]
    theme_mult = np.array([_THEMES[t]["mult"] for t in theme_names])[theme]
    kind_mult = np.select([kind == k for k in _KIND_ENGAGEMENT], list(_KIND_ENGAGEMENT.values()))
    outlier = np.where(rng.random(n) < _OUTLIER_SHARE, rng.uniform(20, 50, n), 1.0)
    level = (base * np.array(_FORMAT_ENGAGEMENT)[fmt] * theme_mult * kind_mult * _time_engagement(times)
             * outlier * np.exp(0.8 * rng.standard_normal(n)))

    # Split into likes, comments, shares, quotes; hide one count on a few posts.
    shares = np.where(is_li[:, None], _COMPONENT_SHARES["linkedin"], _COMPONENT_SHARES["twitter"])
    shares = shares * np.exp(0.35 * rng.standard_normal((n, 4)))
    shares = shares / shares.sum(axis=1, keepdims=True)
    values = level[:, None] * shares
    hidden = np.zeros((n, 4), dtype=bool)
    hide = rng.random(n) < _HIDDEN_SHARE
    which = np.where(is_li, rng.integers(0, 3, n), rng.integers(0, 4, n))
    hidden[np.flatnonzero(hide), which[hide]] = True
    visible = ~hidden
    visible[is_li, 3] = False  # LinkedIn has no quote counts

    counts = np.floor(values + rng.random((n, 4))).astype(np.int64)  # unbiased rounding
    for gid, (_sec, _plat, _ed, target) in groups.items():
        in_group = group == gid
        cal = in_group & counted
        if not cal.any():
            continue
        total = (values[cal] * visible[cal]).sum()
        factor = target / total if total > 0 else 0.0
        scaled = values[in_group] * factor
        counts[in_group] = np.floor(scaled + rng.random(scaled.shape)).astype(np.int64)
        counts[cal] = _round_to_total(values[cal] * factor, visible[cal], target)
    count_cols = {}
    for j, col in enumerate(_COUNT_COLUMNS):
        arr = pd.array(counts[:, j], dtype="Int64")
        arr[~visible[:, j]] = pd.NA
        count_cols[col] = arr

    # Impressions: given by the source for a few posts only.
    engagement = (counts * visible).sum(axis=1)
    share_imp = np.where(is_li, _IMPRESSIONS_SHARE["linkedin"], _IMPRESSIONS_SHARE["twitter"])
    impressions = np.rint(engagement * rng.uniform(25, 90, n) + rng.integers(40, 400, n)).astype(np.int64)
    impressions = pd.array(impressions, dtype="Int64")
    impressions[~((rng.random(n) < share_imp) & np.isin(kind, ["original", "quote"]))] = pd.NA

    text = _post_texts(rng, kind, theme, theme_names, sector, is_li)

    # Stable order: time, then account, then generation order; ids follow it.
    order = np.lexsort((np.arange(n), who, times.astype(np.int64)))
    who, times, kind, fmt, is_li = who[order], times[order], kind[order], fmt[order], is_li[order]
    text = text[order]
    width = max(7, len(str(n)))
    seconds = times.astype(np.int64)
    ms = seconds * 1000 + rng.integers(0, 1000, n)
    seq = np.arange(n, dtype=np.int64) & 0x3FFFFF
    li_id = (ms << 22) | seq
    tw_id = ((ms - 1288834974657) << 22) | seq
    handle = acc["handle"].to_numpy()[who]
    li_url = "https://www.linkedin.com/feed/update/urn:li:activity:" + pd.Series(li_id).astype(str) + "/"
    tw_url = ("https://twitter.com/" + pd.Series(handle).str.lstrip("@") + "/status/"
              + pd.Series(tw_id).astype(str))
    posts = pd.DataFrame({
        "post_id": [f"post-{i:0{width}d}" for i in range(1, n + 1)],
        "account_id": acc["account_id"].to_numpy()[who],
        "published_at": pd.DatetimeIndex(times).tz_localize("UTC"),
        "kind": kind,
        "format": np.array(_FORMATS, dtype=object)[fmt],
    })
    for col in _COUNT_COLUMNS:
        posts[col] = count_cols[col][order]
    posts["impressions"] = impressions[order]
    posts["text"] = text
    posts["url"] = np.where(is_li, li_url, tw_url)
    return posts


def _round_to_total(values: np.ndarray, visible: np.ndarray, target: int) -> np.ndarray:
    """Round non-negative ``values`` to integers whose visible cells sum exactly to ``target``.

    Largest-remainder method over the visible cells; hidden cells are floored.
    """
    floor = np.floor(values)
    out = floor.astype(np.int64)
    flat_vis = np.flatnonzero(visible.ravel())
    rest = int(target - out.ravel()[flat_vis].sum())
    if rest > 0:
        frac = (values - floor).ravel()[flat_vis]
        pick = flat_vis[np.argsort(-frac, kind="stable")[:rest]]
        flat = out.ravel()
        flat[pick] += 1
        out = flat.reshape(values.shape)
    elif rest < 0:  # floating error only: take units back from the largest visible cells
        flat = out.ravel()
        pick = flat_vis[np.argsort(-flat[flat_vis], kind="stable")[:-rest]]
        flat[pick] -= 1
        out = flat.reshape(values.shape)
    return out


def _post_texts(rng: np.random.Generator, kind: np.ndarray, theme: np.ndarray, theme_names: list[str],
                sector: np.ndarray, is_li: np.ndarray) -> np.ndarray:
    """French post texts: a theme sentence, a closer and up to three hashtags."""
    n = len(kind)
    sentences = np.empty(n, dtype=object)
    tag1 = np.empty(n, dtype=object)
    tag2 = np.empty(n, dtype=object)
    for t, name in enumerate(theme_names):
        m = theme == t
        if not m.any():
            continue
        conf = _THEMES[name]
        options = np.array(conf["sentences"], dtype=object)
        sentences[m] = options[rng.integers(0, len(options), m.sum())]
        tags = np.array(conf["tags"], dtype=object)
        tag1[m] = tags[rng.integers(0, len(tags), m.sum())]
        tag2[m] = tags[rng.integers(0, len(tags), m.sum())]
    tag3 = np.empty(n, dtype=object)
    for sec, tags in _SECTOR_TAGS.items():
        m = sector == sec
        tag3[m] = np.array(tags, dtype=object)[rng.integers(0, len(tags), m.sum())]
    n_tags = rng.choice(4, n, p=np.array(_HASHTAG_COUNT_SHARES))
    t1 = pd.Series(np.where(n_tags >= 1, " " + tag1, ""))
    t2 = pd.Series(np.where((n_tags >= 2) & (tag2 != tag1), " " + tag2, ""))
    t3 = pd.Series(np.where((n_tags >= 3) & (tag3 != tag1) & (tag3 != tag2), " " + tag3, ""))
    closer = pd.Series(np.array(_CLOSERS, dtype=object)[rng.integers(0, len(_CLOSERS), n)])
    text = pd.Series(sentences) + closer + t1 + t2 + t3

    repost_comment = np.array(_REPOST_COMMENTS, dtype=object)[rng.integers(0, len(_REPOST_COMMENTS), n)]
    reply = np.array(_REPLY_TEXTS, dtype=object)[rng.integers(0, len(_REPLY_TEXTS), n)]
    with_comment = rng.random(n) < 0.35
    out = text.to_numpy(dtype=object)
    out = np.where(kind == "repost", np.where(with_comment, repost_comment, None), out)
    out = np.where(kind == "reply", reply, out)
    return out
