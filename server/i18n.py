"""User-interface strings in Japanese (first) and English, and the choice between them.

The pages are written for policy staff in Japan, so Japanese is the default; English is chosen by
`?lang=en` or by an `Accept-Language` header that ranks English above Japanese. Every string a template
shows comes from `STRINGS`, so a missing translation is a KeyError in the tests, not a silent gap.

>>> t("home", "en")
'Home'
>>> pick_lang(None, "en-US,en;q=0.9,ja;q=0.5")
'en'
>>> pick_lang(None, "fr")
'ja'
"""

from __future__ import annotations

LANGS = ("ja", "en")
DEFAULT_LANG = "ja"

STRINGS: dict[str, tuple[str, str]] = {
    # site
    "site_name": ("計画グラフ", "Keikaku Graph"),
    "site_tagline": (
        "自治体計画の施策・取組と SDGs をつなぐリンクトデータ",
        "Linked data of Japanese municipal plans, their policies and measures, and the SDGs",
    ),
    "home": ("ホーム", "Home"),
    "sdgs": ("SDGs", "SDGs"),
    "sparql_editor": ("SPARQL エディタ", "SPARQL editor"),
    "api": ("クエリ API", "Query API"),
    "data": ("データ", "Data"),
    "vocabulary": ("語彙", "Vocabulary"),
    "language_switch": ("English", "日本語"),
    "footer_note": (
        "計画文書の本文は各自治体が公表したもの。構造化・SDGs 対応づけ・英語表記は計画グラフ編集者による。",
        "Plan texts are as published by each municipality; the structure, SDG alignments and English "
        "labels are by the Keikaku Graph editors.",
    ),
    "formats": ("この情報の形式", "This resource as"),
    # home
    "municipalities": ("自治体と計画", "Municipalities and their plans"),
    "no_municipalities": ("まだ計画が登録されていません。", "No plans loaded yet."),
    "sdg_goals": ("SDGs の17の目標から探す", "Browse by the 17 SDG goals"),
    "sdg_goals_help": (
        "目標を選ぶと、その目標に貢献する施策・取組が自治体ごとに一覧できます。",
        "Choose a goal to see every policy and measure that serves it, by municipality.",
    ),
    "n_elements": ("件の施策・取組", "policies and measures"),
    "search": ("検索", "Search"),
    "search_placeholder": ("計画の本文を検索（例：ごみ）", "Search plan texts (e.g. ごみ)"),
    "search_results": ("検索結果", "Search results"),
    "no_results": ("該当するものはありません。", "Nothing found."),
    "more_tools": ("データを使う", "Use the data"),
    "tool_editor": ("SPARQL エディタで問い合わせる", "Query with the SPARQL editor"),
    "tool_api": ("名前付きクエリ API（CSV・JSON）", "Named-query API (CSV, JSON)"),
    "tool_void": ("データセットの説明（VoID / DCAT）", "Dataset description (VoID / DCAT)"),
    "tool_download": ("一括ダウンロード", "Downloads"),
    "tool_ontology": ("語彙の説明", "Vocabulary documentation"),
    # resource pages
    "label": ("名称", "Label"),
    "notation": ("番号", "Notation"),
    "level": ("階層", "Level"),
    "class": ("種類", "Kind"),
    "plan": ("計画", "Plan"),
    "plans": ("計画", "Plans"),
    "municipality": ("自治体", "Municipality"),
    "hierarchy_above": ("上位の要素", "Above"),
    "children": ("下位の要素", "Below"),
    "outline": ("計画の構成", "Outline of the plan"),
    "target_state": ("目標とするまちの姿", "Target state"),
    "description": ("説明", "Description"),
    "subtitle": ("副題", "Subtitle"),
    "cocreation": ("共創の取組", "Co-creation"),
    "sdg_links": ("SDGs との対応", "SDG alignments"),
    "no_sdg_links": ("SDGs との対応づけはありません。", "No SDG alignment."),
    "sdg_target": ("ゴール／ターゲット", "Goal / target"),
    "basis": ("根拠", "Basis"),
    "confidence": ("確信度", "Confidence"),
    "evidence": ("根拠となる本文", "Evidence (quoted)"),
    "rationale": ("理由", "Rationale"),
    "attributed_to": ("判断した者", "Attributed to"),
    "partner_types": ("共創のパートナー", "Co-creation partners"),
    "partner_types_help": (
        "■ は計画が関わるとしている区分、□ は関わらないとしている区分（計画の表記のまま）。",
        "■ marks the partner types the plan marks as involved, □ those it marks as not involved.",
    ),
    "named_partners": ("連携先", "Named partners"),
    "indicators": ("成果指標", "Indicators"),
    "indicator": ("指標", "Indicator"),
    "target_value": ("目標値", "Target"),
    "target_year": ("目標年度", "Target year"),
    "actual": ("実績", "Actual"),
    "fiscal_year": ("年度", "Fiscal year"),
    "status": ("達成状況", "Status"),
    "met": ("達成", "met"),
    "not_met": ("未達成", "not met"),
    "no_data": ("データなし", "no data"),
    "sheet_rating": ("シートの自己評価", "the sheet's own rating"),
    "evaluations": ("自己評価", "Self-evaluation"),
    "rating": ("評価", "Rating"),
    "rating_meaning": ("意味", "Meaning"),
    "links_out": ("この要素から他の計画への関係", "Links from this element"),
    "links_in": ("他の計画からこの要素への関係", "Links to this element"),
    "relation": ("関係", "Relation"),
    "themes": ("テーマ", "Themes"),
    "source": ("出典（本文の該当箇所）", "Source text"),
    "source_document": ("出典文書", "Source document"),
    "editorial_notes": ("編集者注", "Editorial notes"),
    "variants": ("表記の揺れ", "Variant spellings"),
    "period": ("計画期間", "Period"),
    "plan_type": ("計画の種類", "Plan type"),
    "issued_by": ("策定主体", "Issued by"),
    "part_of": ("所属する市", "Part of"),
    "code": ("全国地方公共団体コード", "Local government code"),
    "same_as": ("同一の資源", "Same as"),
    "all_properties": ("すべての記述", "All statements"),
    "incoming": ("この資源を参照している記述", "Statements referring to this resource"),
    "property": ("プロパティ", "Property"),
    "value": ("値", "Value"),
    "subject": ("主語", "Subject"),
    "no_elements": ("要素はありません。", "No elements."),
    "plans_of": ("策定した計画", "Plans"),
    "stub_plan": ("（この計画の内容は保持していません）", "(a plan we refer to but do not hold)"),
    "year_suffix": ("年度", ""),
    # SDG pages
    "goal": ("目標", "Goal"),
    "target": ("ターゲット", "Target"),
    "targets": ("ターゲット", "Targets"),
    "sdg_serving": ("に貢献する施策・取組", "— policies and measures serving it"),
    "sdg_serving_help": (
        "計画の施策・取組のうち、この目標（またはその下のターゲット）に対応づけられたもの。"
        "根拠の区分・確信度・本文の引用を添えています。",
        "Policies and measures aligned to this goal or one of its targets, with the basis, confidence "
        "and the quoted evidence.",
    ),
    "sdg_none": (
        "この目標に対応づけられた施策・取組はまだありません。",
        "No policy or measure is aligned to this goal yet.",
    ),
    "download_csv": (
        "この一覧を CSV でダウンロード（Excel 対応）",
        "Download this list as CSV (opens in Excel)",
    ),
    "un_label": ("国連による名称（英語）", "UN title"),
    "goal_of": ("上位の目標", "Goal"),
    "kind_policy": ("施策", "policy"),
    "kind_measure": ("取組", "measure"),
    "kind_goal": ("目標", "goal"),
    "kind_vision": ("将来像", "vision"),
    "kind_plan": ("計画", "plan"),
    "policy_of": ("施策", "Policy"),
    "parent": ("上位", "Under"),
    "referenced_only": ("参照のみ（内容は保持していません）", "referenced only (content not held)"),
    "count": ("件", "items"),
    # source
    "source_view": ("出典文書の本文", "Source document text"),
    "source_highlight": ("強調表示している範囲", "Highlighted range"),
    "source_plain": ("テキストのまま表示（UTF-8）", "Plain text (UTF-8)"),
    "characters": ("文字目", "characters"),
    "licence": ("利用条件", "Licence"),
    "publisher": ("発行者", "Publisher"),
    # editor
    "editor_title": ("SPARQL エディタ", "SPARQL editor"),
    "editor_help": (
        "例のクエリを選ぶか、SPARQL を書いて実行してください。エンドポイントは /sparql です。",
        "Pick an example query or write your own SPARQL, then run it. The endpoint is /sparql.",
    ),
    "examples": ("クエリの例", "Example queries"),
    "choose_example": ("例を選ぶ…", "Choose an example…"),
    "run": ("実行", "Run"),
    "running": ("実行中…", "Running…"),
    "rows": ("行", "rows"),
    # API / publish
    "catalogue": ("名前付きクエリの一覧", "Catalogue of named queries"),
    "downloads": ("ダウンロード", "Downloads"),
    "dataset_description": ("データセットの説明", "Dataset description"),
    # ontology
    "ontology_title": ("計画グラフ語彙", "Keikaku Graph vocabulary"),
    "classes": ("クラス", "Classes"),
    "object_properties": ("オブジェクトプロパティ", "Object properties"),
    "datatype_properties": ("データ型プロパティ", "Datatype properties"),
    "other_properties": ("その他のプロパティ", "Other properties"),
    "individuals": ("個体", "Individuals"),
    "schemes": ("概念体系", "Concept schemes"),
    "concepts": ("概念", "Concepts"),
    "domain": ("定義域", "Domain"),
    "range": ("値域", "Range"),
    "subclass_of": ("上位クラス", "Subclass of"),
    "subproperty_of": ("上位プロパティ", "Subproperty of"),
    "inverse_of": ("逆プロパティ", "Inverse of"),
    "definition": ("定義", "Definition"),
    "scope_note": ("適用範囲の注記", "Scope note"),
    "close_match": ("近い概念", "Close match"),
    "characteristics": ("特性", "Characteristics"),
    "turtle": ("Turtle で取得", "Get as Turtle"),
    # errors
    "not_found_title": ("見つかりません", "Not found"),
    "not_found_text": (
        "お探しの資源はこのデータセットにありません。URL をご確認ください。",
        "There is no such resource in this dataset. Please check the URL.",
    ),
    "bad_request_title": ("リクエストが正しくありません", "Bad request"),
    "back_home": ("ホームへ戻る", "Back to the home page"),
}

#: Japanese words for kk: classes and relations (the vocabulary's own labels say the same; these are the
#: short forms the pages use in running text).
RELATION_LABELS: dict[str, tuple[str, str]] = {
    "implements": ("実施する", "implements"),
    "continues": ("継承する（前計画）", "continues"),
    "inheritsFrom": ("引き継ぐ", "inherits from"),
    "relatedTo": ("関連する", "related to"),
}


def t(key: str, lang: str) -> str:
    """The UI string `key` in `lang` (ja or en)."""
    ja, en = STRINGS[key]
    return en if lang == "en" else ja


def pick_lang(query_lang: str | None, accept_language: str | None) -> str:
    """`?lang=` wins; otherwise the first of ja/en that `Accept-Language` ranks highest; else ja."""
    if query_lang in LANGS:
        return query_lang  # type: ignore[return-value]
    best, best_q = DEFAULT_LANG, 0.0
    for element in (accept_language or "").split(","):
        parts = [p.strip() for p in element.split(";")]
        tag = parts[0].lower()
        if not tag:
            continue
        q = 1.0
        for p in parts[1:]:
            name, _, value = p.partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.split("-")[0]
        if primary in LANGS and q > best_q:
            best, best_q = primary, q
    return best
